# tests/fakes: contract doubles and their self-tests

# SSO stand-in (tests/fakes/sso) and its self-test; the test finds the fake
# next to itself, so it runs from an out-of-tree build too.
TESTS += tests/fakes/test_sso.py
EXTRA_DIST += tests/fakes/sso tests/fakes/sso-seed.json tests/fakes/test_sso.py \
	tests/fakes/fakeproc.py

# deployd stand-in (tests/fakes/deployd) and push-image (tests/tools/push-image,
# with bomb-layer for hostile layers) with their self-tests; each finds its
# tool next to itself (out-of-tree safe). test_push_image.py needs
# /usr/bin/docker-registry (exit 77 = skip without it).
TESTS += tests/fakes/test_deployd.py tests/tools/test_push_image.py
EXTRA_DIST += tests/fakes/deployd tests/fakes/test_deployd.py \
	tests/tools/push-image tests/tools/bomb-layer tests/tools/test_push_image.py

# webhook receiver (tests/fakes/webhook) for the notify fan-out (E20/E23) and
# its self-test; the test finds the fake next to itself (out-of-tree safe).
TESTS += tests/fakes/test_webhook.py
EXTRA_DIST += tests/fakes/webhook tests/fakes/test_webhook.py

# Docker Engine API stand-in (tests/fakes/docker: the network calls of §4.7)
# and its self-test; the test finds the fake next to itself (out-of-tree safe).
TESTS += tests/fakes/test_docker.py
EXTRA_DIST += tests/fakes/docker tests/fakes/test_docker.py

# lvault stand-in (tests/fakes/lvault: GET /v2/secrets of §4.6) and its
# self-test; the test finds the fake next to itself (out-of-tree safe).
TESTS += tests/fakes/test_lvault.py
EXTRA_DIST += tests/fakes/lvault tests/fakes/test_lvault.py

# GitLab stand-in (tests/fakes/gitlab: the project and commit calls of §7.1),
# built on fakehttp.py (shared with the webrouter stand-in), and its
# self-test; the test finds the fake next to itself (out-of-tree safe).
TESTS += tests/fakes/test_gitlab.py
EXTRA_DIST += tests/fakes/gitlab tests/fakes/test_gitlab.py tests/fakes/fakehttp.py

# webrouter ABTestingGateway stand-in (tests/fakes/webrouter: the canary
# policy-group calls of §7.3) and its self-test (out-of-tree safe).
TESTS += tests/fakes/test_webrouter.py
EXTRA_DIST += tests/fakes/webrouter tests/fakes/test_webrouter.py

# An etcd member that can lose its answers (tests/fakes/etcdproxy, on
# fakehttp.py, in front of a real etcd): it_etcd's failover of a write that
# was applied without an answer. Its self-test starts its own etcd.
TESTS += tests/fakes/test_etcdproxy.py
EXTRA_DIST += tests/fakes/etcdproxy tests/fakes/test_etcdproxy.py
