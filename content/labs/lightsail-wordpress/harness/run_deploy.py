"""Student side: call the student's deploy(lightsail) against the grading's stand-in for Lightsail.

The stand-in runs in another sandbox (content/labs/lightsail-wordpress/service/) and records every call it
receives; the grader reads that record once this process has exited, so nothing printed here counts.
"""

import spinup_aws

spinup_aws.start()
from deploy import deploy  # noqa: E402 - the endpoint must be up before the student's module runs

deploy(spinup_aws.client("lightsail"))
