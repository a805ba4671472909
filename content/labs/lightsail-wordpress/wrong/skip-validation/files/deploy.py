"""Passes the port numbers as strings, from a client that skips botocore's validation so the call is sent.

The old harness validated in the student's process; the stand-in for Lightsail validates every call it
receives against the same model, and rejects this one.
"""

import boto3
from botocore.config import Config

INSTANCE_NAME = "bakery-wp"
STATIC_IP_NAME = "bakery-wp-ip"
AVAILABILITY_ZONE = "us-east-1a"
BUNDLE_ID = "small_3_0"  # the Small plan with a public IPv4 address


def wordpress_blueprint(lightsail):
    """The id of the active WordPress app blueprint (not Multisite)."""
    for blueprint in lightsail.get_blueprints()["blueprints"]:
        if blueprint["type"] == "app" and blueprint["name"] == "WordPress" and blueprint.get("isActive", True):
            return blueprint["blueprintId"]
    raise LookupError("no WordPress blueprint in this Region")


def deploy(lightsail):
    """Create the instance, give it a static IP and open HTTPS, using the boto3 Lightsail client given."""
    lightsail.create_instances(
        instanceNames=[INSTANCE_NAME],
        availabilityZone=AVAILABILITY_ZONE,
        blueprintId=wordpress_blueprint(lightsail),
        bundleId=BUNDLE_ID,
    )
    lightsail.allocate_static_ip(staticIpName=STATIC_IP_NAME)
    lightsail.attach_static_ip(staticIpName=STATIC_IP_NAME, instanceName=INSTANCE_NAME)
    # open_* adds one rule and keeps SSH (22) and HTTP (80); put_* would replace the whole list.
    lax = boto3.client(
        "lightsail",
        region_name="us-east-1",
        endpoint_url=lightsail.meta.endpoint_url,
        config=Config(parameter_validation=False),
    )
    lax.open_instance_public_ports(
        instanceName=INSTANCE_NAME,
        portInfo={"fromPort": "443", "toPort": "443", "protocol": "tcp", "cidrs": ["0.0.0.0/0"]},
    )
