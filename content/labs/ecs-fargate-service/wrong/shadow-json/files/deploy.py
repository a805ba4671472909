"""A json.py beside this file shadows the standard module in the student's sandbox; deploy() itself only
creates the cluster. The endpoint, in its own sandbox, never imports the student's json."""


def deploy(ecs, infra):
    ecs.create_cluster(clusterName="shop-cluster")
