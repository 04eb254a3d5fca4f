"""Fields of real manifests: modelled, inert, refused (unknown or not modelled) or warned about."""

from __future__ import annotations

from quizapp.sim.kubernetes.fields import check_document


def errors(kind, doc):
    return [(p, str(m)) for p, level, m in check_document(kind, doc) if level == "error"]


def test_a_realistic_pod_passes():
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "web", "labels": {"app": "web"}, "uid": "x", "creationTimestamp": None},
           "spec": {"containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 80, "name": "http"}],
                                    "readinessProbe": {"httpGet": {"port": 80}}, "resources": {"limits": {"cpu": 1}},
                                    "env": [{"name": "A", "value": "1"}]}],
                    "restartPolicy": "Always", "serviceAccountName": "default", "volumes": []},
           "status": {"phase": "Running", "podIP": "10.244.1.5", "containerStatuses": []}}
    assert errors("Pod", pod) == []


def test_unknown_field_is_refused_like_kubectl():
    errs = errors("Service", {"spec": {"ports": [{"port": 80, "targetport": 8080}]}})
    assert errs[0][0] == "spec.ports[0].targetport" and "unknown field" in errs[0][1]


def test_traffic_changing_fields_are_refused():
    svc = {"spec": {
                    "ipFamilies": ["IPv4", "IPv6"], "ipFamilyPolicy": "RequireDualStack", "clusterIP": "fd00::1",
                    "trafficDistribution": "PreferClose"}}
    paths = {p for p, _ in errors("Service", svc)}
    assert paths == {"spec.ipFamilies", "spec.ipFamilyPolicy",
                     "spec.clusterIP", "spec.trafficDistribution"}
    assert errors("Service", {"spec": {"ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack"}}) == []
    assert {p for p, _ in errors("Pod", {"spec": {"nodeSelector": {"a": "b"}, "hostAliases": []}})} == {
        "spec.nodeSelector", "spec.hostAliases"}


def test_deployment_template_is_checked_as_a_pod():
    errs = errors("Deployment", {"spec": {"template": {"spec": {"containers": [{"name": "c", "prots": []}]}}}})
    assert errs[0][0] == "spec.template.spec.containers[0].prots"


def test_warning_where_kubernetes_ignores_the_field():
    out = check_document("Service", {"spec": {"loadBalancerIP": "192.168.1.240"}})
    assert out == [("spec.loadBalancerIP", "warning", out[0][2])] and "deprecated" in str(out[0][2])
