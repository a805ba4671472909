"""Create the checkout-service repository: immutable tags, scan on push, and a lifecycle policy."""

import json  # noqa: F401 (for json.dumps below)

REPOSITORY = "checkout-service"

LIFECYCLE_POLICY = {
    "rules": [
        # TODO: one rule per requirement in the statement, each with
        #   "rulePriority", "selection" and "action": {"type": "expire"}
    ]
}


def setup(ecr):
    """Given a boto3 ECR client, create and configure the repository."""
    # TODO: turn on scan on push and make the tags immutable.
    ecr.create_repository(repositoryName=REPOSITORY)
    # TODO: attach the lifecycle policy, e.g.
    # ecr.put_lifecycle_policy(repositoryName=REPOSITORY, lifecyclePolicyText=json.dumps(LIFECYCLE_POLICY))
