"""Student side: call the student's setup(ecr) against the grading's emulated AWS account.

The registry lives in another sandbox (content/labs/ecr-repository-policy/service/); the grader reads it
back there once this process has exited, so nothing printed or faked here counts.
"""

import spinup_aws

spinup_aws.start()
from setup_repo import setup  # noqa: E402 - the endpoint must be up before the student's module runs

setup(spinup_aws.client("ecr"))
