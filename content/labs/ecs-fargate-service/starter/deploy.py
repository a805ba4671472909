"""Run the orders API on Fargate: a cluster, a task definition and a service."""

CLUSTER = "shop-cluster"
FAMILY = "orders-api"
SERVICE = "orders-api"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/orders-api:1.4.0"
PORT = 8080
DESIRED_COUNT = 3
LOG_GROUP = "/ecs/orders-api"


def deploy(ecs, infra):
    """Given a boto3 ECS client and the prepared network and role (see the statement), deploy the API.

    infra = {"subnets": [...], "security_groups": [...], "execution_role_arn": "...", "region": "us-east-1"}
    """
    ecs.create_cluster(clusterName=CLUSTER)
    # TODO: register a task definition for Fargate (size, role, container, port, logs).
    # TODO: create the service in the cluster, on Fargate, in the given subnets and security group.
