"""Writes a complete, well-formed observations line straight to fd 1 and leaves before anything can follow."""

import json
import os

POLICY = {
    "rules": [
        {
            "rulePriority": 1,
            "selection": {
                "tagStatus": "tagged",
                "tagPrefixList": ["release-"],
                "countType": "imageCountMoreThan",
                "countNumber": 5,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 2,
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 7,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 3,
            "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 20},
            "action": {"type": "expire"},
        },
    ]
}
FAKE = {
    "import_error": None,
    "error": None,
    "repository_names": ["checkout-service"],
    "repositories": [
        {
            "name": "checkout-service",
            "tag_mutability": "IMMUTABLE",
            "scan_on_push": True,
            "lifecycle_policy": json.dumps(POLICY),
            "policy_truncated": False,
        }
    ],
    "registry_scanning": None,
}


def setup(ecr):
    os.write(1, ("\nSPINUP-OBSERVATIONS " + json.dumps(FAKE) + "\n").encode())
    os._exit(0)
