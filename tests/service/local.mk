# tests/service: lain-console as a system service. test_notify.py plays
# systemd on a NOTIFY_SOCKET (sd_notify messages); test_install.py runs make
# install DESTDIR=<tmp> and checks the installed tree (example config against
# app/config.c and README, nginx -t, systemd-analyze verify/security,
# sysusers, uninstall). Both run from the build directory, where make check
# runs them.
TESTS += tests/service/test_notify.py tests/service/test_install.py
EXTRA_DIST += tests/service/test_notify.py tests/service/test_install.py
# By hand, as root (boots the installed unit in a systemd-nspawn container):
EXTRA_DIST += tests/service/boot-unit
