"""Create the checkout-service repository: sends the policy as str(dict), a Python repr, not JSON."""

REPOSITORY = "checkout-service"

LIFECYCLE_POLICY = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "Keep the 5 newest release images",
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
            "description": "Expire untagged images older than 7 days",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 7,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 10,
            "description": "Keep at most 20 images of any kind",
            "selection": {
                "tagStatus": "any",
                "countType": "imageCountMoreThan",
                "countNumber": 20,
            },
            "action": {"type": "expire"},
        },
    ]
}


def setup(ecr):
    """Given a boto3 ECR client, create and configure the repository."""
    ecr.create_repository(
        repositoryName=REPOSITORY,
        imageTagMutability="IMMUTABLE",
        imageScanningConfiguration={"scanOnPush": True},
    )
    ecr.put_lifecycle_policy(repositoryName=REPOSITORY, lifecyclePolicyText=str(LIFECYCLE_POLICY))
