"""Trusted (runs in the grading's endpoint sandbox, never with student code): the emulated account.

moto emulates EC2, IAM and ECS. setup() creates a VPC with two private subnets, a security group and a
task execution role, handed to the student's run as `infra`; collect() reads the account back with fresh
clients after the student's process has exited.

moto keeps less than ECS is sent (it forces networkMode to awsvpc for FARGATE task definitions and drops a
service's capacityProviderStrategy), so install() records the requests themselves as moto receives them.
"""

import json

REGION = "us-east-1"
MAX_ITEMS = 10
TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def describe(exc):
    return f"{type(exc).__name__}: {exc}"[:500]


def last_part(value, default):
    return value.rsplit("/", 1)[-1] if isinstance(value, str) and value else default


RECORDED = {"task_definitions": {}, "services": {}}


def record_requests():
    """Wrap moto's ECS request handlers to keep what was actually sent."""
    from moto.ecs.responses import EC2ContainerServiceResponse as Response

    register, create, update = Response.register_task_definition, Response.create_service, Response.update_service

    def register_task_definition(self):
        params = self._get_params()
        result = register(self)
        arn = result.result["taskDefinition"].arn
        RECORDED["task_definitions"][arn] = {
            "networkMode": params.get("networkMode"),
            "order": len(RECORDED["task_definitions"]),
        }
        return result

    def create_service(self):
        params = self._get_params()
        result = create(self)
        key = f"{last_part(params.get('cluster'), 'default')}/{params.get('serviceName')}"
        RECORDED["services"][key] = {
            "launchType": params.get("launchType"),
            "capacityProviderStrategy": params.get("capacityProviderStrategy"),
            "networkConfiguration": params.get("networkConfiguration"),
        }
        return result

    def update_service(self):
        params = self._get_params()
        result = update(self)
        key = f"{last_part(params.get('cluster'), 'default')}/{last_part(params.get('service'), '')}"
        entry = RECORDED["services"].setdefault(key, {})
        for field in ("capacityProviderStrategy", "networkConfiguration"):
            if params.get(field) is not None:
                entry[field] = params[field]
        return result

    Response.register_task_definition = register_task_definition
    Response.create_service = create_service
    Response.update_service = update_service


def prepare(boto3):
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for cidr, zone in (("10.20.1.0/24", "us-east-1a"), ("10.20.2.0/24", "us-east-1b"))
    ]
    group = ec2.create_security_group(GroupName="orders-api-tasks", Description="orders-api tasks", VpcId=vpc)[
        "GroupId"
    ]
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(RoleName="ecsTaskExecutionRole", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))["Role"][
        "Arn"
    ]
    return {"subnets": subnets, "security_groups": [group], "execution_role_arn": role, "region": REGION}


def container_view(container):
    if not isinstance(container, dict):
        return {}
    return {
        "name": container.get("name"),
        "image": container.get("image"),
        "portMappings": container.get("portMappings") or [],
        "logConfiguration": container.get("logConfiguration"),
    }


def read_back(boto3, ecs):
    found = {"clusters": [], "services": [], "task_definitions": {}, "last_registered": None}
    arns = ecs.list_clusters().get("clusterArns", [])[:MAX_ITEMS]
    clusters = ecs.describe_clusters(clusters=arns).get("clusters", []) if arns else []
    for cluster in clusters:
        found["clusters"].append(
            {
                "name": cluster.get("clusterName"),
                "status": cluster.get("status"),
                "capacityProviders": cluster.get("capacityProviders") or [],
            }
        )
        names = ecs.list_services(cluster=cluster["clusterArn"]).get("serviceArns", [])[:MAX_ITEMS]
        services = (
            ecs.describe_services(cluster=cluster["clusterArn"], services=names).get("services", []) if names else []
        )
        for service in services:
            key = f"{cluster.get('clusterName')}/{service.get('serviceName')}"
            sent = RECORDED["services"].get(key, {})
            found["services"].append(
                {
                    "cluster": cluster.get("clusterName"),
                    "name": service.get("serviceName"),
                    "status": service.get("status"),
                    "desiredCount": service.get("desiredCount"),
                    "taskDefinition": service.get("taskDefinition"),
                    "recorded": bool(sent),
                    "launchType": sent.get("launchType") if sent else service.get("launchType"),
                    "capacityProviderStrategy": sent.get("capacityProviderStrategy")
                    if sent
                    else service.get("capacityProviderStrategy"),
                    "networkConfiguration": sent.get("networkConfiguration")
                    if sent
                    else service.get("networkConfiguration"),
                }
            )
    wanted = [s["taskDefinition"] for s in found["services"] if isinstance(s.get("taskDefinition"), str)]
    registered = sorted(RECORDED["task_definitions"], key=lambda arn: RECORDED["task_definitions"][arn]["order"])
    if registered:
        found["last_registered"] = registered[-1]
        wanted.append(registered[-1])
    for arn in list(dict.fromkeys(wanted))[:MAX_ITEMS]:
        try:
            task = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
        except Exception as exc:
            found["task_definitions"][arn] = {"error": describe(exc)}
            continue
        sent = RECORDED["task_definitions"].get(task.get("taskDefinitionArn"))
        found["task_definitions"][task.get("taskDefinitionArn", arn)] = {
            "family": task.get("family"),
            "requiresCompatibilities": task.get("requiresCompatibilities") or [],
            "networkMode": sent["networkMode"] if sent else task.get("networkMode"),
            "networkModeRecorded": bool(sent),
            "cpu": task.get("cpu"),
            "memory": task.get("memory"),
            "executionRoleArn": task.get("executionRoleArn"),
            "containers": [container_view(c) for c in (task.get("containerDefinitions") or [])[:MAX_ITEMS]],
        }
        if arn != task.get("taskDefinitionArn"):  # the service may name it by family:revision
            found["task_definitions"][arn] = found["task_definitions"][task.get("taskDefinitionArn", arn)]
    return found


def install():
    record_requests()


def setup(endpoint):
    return prepare(_Clients(endpoint))


def collect(endpoint, infra):
    clients = _Clients(endpoint)
    try:
        return read_back(clients, clients.client("ecs"))
    except Exception as exc:
        return {"read_error": describe(exc)}


class _Clients:
    """boto3.client() with the endpoint filled in (prepare/read_back take a boto3-like module)."""

    def __init__(self, endpoint):
        self.endpoint = endpoint

    def client(self, name, region_name=REGION):
        import boto3

        return boto3.client(name, region_name=region_name, endpoint_url=self.endpoint)
