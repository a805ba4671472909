"""Run the orders API on Fargate: a cluster, a task definition and a service."""

CLUSTER = "shop-cluster"
FAMILY = "orders-api"
SERVICE = "orders-api"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/orders-api:1.4.0"
PORT = 8080
DESIRED_COUNT = 3
LOG_GROUP = "/ecs/orders-api"


def deploy(ecs, infra):
    """Given a boto3 ECS client and the prepared network and role (see the statement), deploy the API."""
    ecs.create_cluster(clusterName=CLUSTER)
    task = ecs.register_task_definition(
        family=FAMILY,
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu=512,  # boto3 wants a string here
        memory=2048,
        executionRoleArn=infra["execution_role_arn"],
        containerDefinitions=[
            {
                "name": "app",
                "image": IMAGE,
                "essential": True,
                "portMappings": [{"containerPort": PORT, "protocol": "tcp"}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": LOG_GROUP,
                        "awslogs-region": infra["region"],
                        "awslogs-stream-prefix": "app",
                    },
                },
            }
        ],
    )
    ecs.create_service(
        cluster=CLUSTER,
        serviceName=SERVICE,
        taskDefinition=task["taskDefinition"]["taskDefinitionArn"],
        desiredCount=DESIRED_COUNT,
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": infra["subnets"],
                "securityGroups": infra["security_groups"],
                "assignPublicIp": "DISABLED",
            }
        },
    )
