"""Student side: call the student's deploy(ecs, infra) against the grading's emulated AWS account.

The account lives in another sandbox (content/labs/ecs-fargate-service/service/); the grader reads it back
there once this process has exited, so nothing printed or faked here counts.
"""

import spinup_aws

spinup_aws.start()
from deploy import deploy  # noqa: E402 - the endpoint must be up before the student's module runs

deploy(spinup_aws.client("ecs"), spinup_aws.infra())
