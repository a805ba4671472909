"""Deploy the bakery's WordPress site on Amazon Lightsail."""

INSTANCE_NAME = "bakery-wp"
STATIC_IP_NAME = "bakery-wp-ip"
AVAILABILITY_ZONE = "us-east-1a"
BUNDLE_ID = "small_3_0"  # the Small plan with a public IPv4 address
BLUEPRINT_ID = "TODO"  # the WordPress app blueprint: look it up with lightsail.get_blueprints()


def deploy(lightsail):
    """Create the instance, give it a static IP and open HTTPS, using the boto3 Lightsail client given."""
    # TODO: create_instances, allocate_static_ip, attach_static_ip, open port 443
    pass
