# tests/service: lain-console as a system service — its sd_notify messages
# (test_notify.py plays systemd on a NOTIFY_SOCKET; it runs ./lain-console
# from the build directory, where make check runs it).
TESTS += tests/service/test_notify.py
EXTRA_DIST += tests/service/test_notify.py
