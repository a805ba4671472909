"""Waits for the repository to 'become ready' forever: nothing ever changes in the emulated account."""


def setup(ecr):
    ready = False
    while not ready:
        ready = bool(ecr.describe_repositories()["repositories"])
