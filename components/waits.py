"""Bounded waits for setup Jobs and init containers: no `pulumi up` hangs without saying why."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_kubernetes.core import v1 as core

# No silent hangs. pulumi-kubernetes awaits a Job for 10 minutes by default; each setup Job
# states that timeout explicitly (JOB_TIMEOUT) and fails by itself before it (activeDeadlineSeconds),
# so `pulumi up` ends with the Job's failure, and the pod's last log line (the termination message,
# FallbackToLogsOnError) names the service it could not reach.
JOB_TIMEOUT = "10m"
JOB_ACTIVE_DEADLINE_SECONDS = 9 * 60
# A wait loop gives up well inside the Job's deadline, leaving time for the work after it.
WAIT_SECONDS = 5 * 60
WAIT_INTERVAL_SECONDS = 5


def wait_for(what: str, check: str, seconds: int = WAIT_SECONDS, interval: int = WAIT_INTERVAL_SECONDS) -> str:
    """POSIX sh that retries `check` until it succeeds, for at most `seconds`.

    Every attempt logs what it waits for; giving up names it and exits 1. `check` must bound
    its own attempt (a connect timeout): the deadline is compared between attempts.
    """
    return f"""\
deadline=$(( $(date +%s) + {seconds} ))
until {check}; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "gave up after {seconds}s waiting for {what}: is it running, and does a NetworkPolicy admit this pod?" >&2
    exit 1
  fi
  echo "waiting for {what}" >&2
  sleep {interval}
done
"""


def job_options(parent: pulumi.Resource, depends_on: Sequence[pulumi.Resource]) -> pulumi.ResourceOptions:
    """A setup Job's options: its dependencies and the await timeout its deadline fits into."""
    return pulumi.ResourceOptions(
        parent=parent,
        depends_on=list(depends_on),
        custom_timeouts=pulumi.CustomTimeouts(create=JOB_TIMEOUT, update=JOB_TIMEOUT),
    )


def logs_as_termination_message(c: core.ContainerArgs) -> core.ContainerArgs:
    """A failed container's last log lines become its termination message (pod status, events)."""
    c.termination_message_policy = "FallbackToLogsOnError"
    return c
