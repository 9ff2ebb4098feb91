# deploy: what `make install` lays out beside the binary (README, "Installing"):
#
#   $(bindir)/lain-console-gen-registry-key     scripts/gen-registry-key
#   $(pkgdatadir)/web/...                       every file under app/web/
#   $(pkgdatadir)/openapi.json                  app/api/openapi.json
#   $(pkgdatadir)/nginx/console.conf, nginx.conf  deploy/nginx/*.in rendered for
#                                               the paths below; TLS_CERT and
#                                               TLS_KEY stay for the operator
#   $(pkgsysconfdir)/console.conf               deploy/console.conf, the commented
#                                               example config (an edited one is kept)
#   $(systemdsystemunitdir)/lain-console.service  deploy/systemd/*.service.in
#   $(sysusersdir)/lain-console.conf            deploy/systemd/lain-console.sysusers
#   $(docdir)/README.md
#   $(NGINX_STATE_DIR)/tmp, $(NGINX_LOG_DIR)    empty, for an nginx of its own
#
# The rendered files are made by `make` (all), from the configured paths, so
# that install only copies (make distcheck installs from a read-only tree).

pkgsysconfdir = $(sysconfdir)/lain-console
webdir = $(pkgdatadir)/web
nginxconfdir = $(pkgdatadir)/nginx
# Fixed: the unit's RuntimeDirectory=lain-console and lain-console's default.
CONSOLE_RUN_SOCKET = /run/lain-console/fcgi.sock
# Where the installed nginx.conf (an nginx of its own) keeps its state and
# logs, and reads the operator's copy of console.conf.
NGINX_STATE_DIR = $(localstatedir)/lib/lain-console/nginx
NGINX_LOG_DIR = $(localstatedir)/log/lain-console
NGINX_CONF_DIR = $(pkgsysconfdir)/nginx
RENDER = $(srcdir)/scripts/render-template

bin_SCRIPTS = lain-console-gen-registry-key
pkgdata_DATA = app/api/openapi.json
nodist_nginxconf_DATA = deploy/nginx/console.conf deploy/nginx/nginx.conf
nodist_systemdsystemunit_DATA = deploy/systemd/lain-console.service
dist_doc_DATA = README.md
CLEANFILES += $(bin_SCRIPTS) $(nodist_nginxconf_DATA) $(nodist_systemdsystemunit_DATA)
EXTRA_DIST += app/web deploy/console.conf \
	deploy/nginx/README.md deploy/nginx/console.conf.in deploy/nginx/nginx.conf.in \
	deploy/systemd/lain-console.service.in deploy/systemd/lain-console.sysusers

lain-console-gen-registry-key: $(srcdir)/scripts/gen-registry-key
	$(AM_V_GEN)cp $(srcdir)/scripts/gen-registry-key $@ && chmod +x $@

deploy/nginx/console.conf: $(srcdir)/deploy/nginx/console.conf.in $(RENDER) Makefile
	$(AM_V_GEN)$(MKDIR_P) deploy/nginx && $(RENDER) --keep TLS_CERT,TLS_KEY \
	  $(srcdir)/deploy/nginx/console.conf.in $@ \
	  FCGI_SERVERS='server unix:$(CONSOLE_RUN_SOCKET);' WEB_ROOT=$(webdir) \
	  HTTPS_LISTEN=443 HTTP_LISTEN=80 HTTPS_PORT_SUFFIX= CLIENT_MAX_BODY_SIZE=2m \
	  AUTH_RATE=50r/s AUTH_BURST=100 EXTRA_INCLUDE='# (no extra include)' \
	  SERVER_NAMES='$(NGINX_SERVER_NAMES)'

deploy/nginx/nginx.conf: $(srcdir)/deploy/nginx/nginx.conf.in $(RENDER) Makefile
	$(AM_V_GEN)$(MKDIR_P) deploy/nginx && $(RENDER) $(srcdir)/deploy/nginx/nginx.conf.in $@ \
	  PREFIX=$(NGINX_CONF_DIR) CONF_DIR=$(NGINX_CONF_DIR) NGINX_USER=www-data \
	  WORKER_PROCESSES=auto STATE_DIR=$(NGINX_STATE_DIR) LOG_DIR=$(NGINX_LOG_DIR) \
	  MIME_TYPES=$(NGINX_MIME_TYPES)

deploy/systemd/lain-console.service: $(srcdir)/deploy/systemd/lain-console.service.in $(RENDER) Makefile
	$(AM_V_GEN)$(MKDIR_P) deploy/systemd && $(RENDER) \
	  $(srcdir)/deploy/systemd/lain-console.service.in $@ \
	  BINDIR=$(bindir) CONFIG_FILE=$(pkgsysconfdir)/console.conf DOCDIR=$(docdir)

# The web UI: whatever app/web/ holds (dot files aside), listed when
# installing, so that new files and folders need no change here.
WEB_FILES = (cd $(srcdir)/app/web && find . -name '.?*' -prune -o -type f -print | LC_ALL=C sort)

install-data-local: install-web install-example-config install-sysusers
	$(MKDIR_P) $(DESTDIR)$(NGINX_STATE_DIR)/tmp $(DESTDIR)$(NGINX_LOG_DIR)

uninstall-local: uninstall-web uninstall-example-config uninstall-sysusers

install-web:
	@$(NORMAL_INSTALL)
	@$(WEB_FILES) | while read -r f; do \
	  f=$${f#./}; d=$$(dirname "$$f"); \
	  $(MKDIR_P) "$(DESTDIR)$(webdir)/$$d" && \
	  echo " $(INSTALL_DATA) app/web/$$f '$(DESTDIR)$(webdir)/$$f'" && \
	  $(INSTALL_DATA) "$(srcdir)/app/web/$$f" "$(DESTDIR)$(webdir)/$$f" || exit 1; \
	done

uninstall-web:
	@$(NORMAL_UNINSTALL)
	@$(WEB_FILES) | while read -r f; do \
	  rm -f "$(DESTDIR)$(webdir)/$${f#./}"; \
	done
	-test ! -d "$(DESTDIR)$(webdir)" || find "$(DESTDIR)$(webdir)" -depth -type d -empty -delete

# An operator's edited console.conf is never overwritten (nor removed): the
# new example goes beside it as console.conf.dist.
install-example-config:
	@$(NORMAL_INSTALL)
	$(MKDIR_P) $(DESTDIR)$(pkgsysconfdir)
	@conf=$(DESTDIR)$(pkgsysconfdir)/console.conf; \
	if test -f "$$conf" && ! cmp -s $(srcdir)/deploy/console.conf "$$conf"; then \
	  echo "keeping $$conf (changed); the new example is $$conf.dist"; \
	  $(INSTALL_DATA) $(srcdir)/deploy/console.conf "$$conf.dist"; \
	else \
	  echo " $(INSTALL_DATA) deploy/console.conf '$$conf'"; \
	  $(INSTALL_DATA) $(srcdir)/deploy/console.conf "$$conf"; \
	fi

uninstall-example-config:
	@$(NORMAL_UNINSTALL)
	@conf=$(DESTDIR)$(pkgsysconfdir)/console.conf; \
	rm -f "$$conf.dist"; \
	if cmp -s $(srcdir)/deploy/console.conf "$$conf"; then rm -f "$$conf"; \
	elif test -f "$$conf"; then echo "keeping $$conf (changed)"; fi

install-sysusers:
	@$(NORMAL_INSTALL)
	$(MKDIR_P) $(DESTDIR)$(sysusersdir)
	$(INSTALL_DATA) $(srcdir)/deploy/systemd/lain-console.sysusers \
	  $(DESTDIR)$(sysusersdir)/lain-console.conf

uninstall-sysusers:
	@$(NORMAL_UNINSTALL)
	rm -f $(DESTDIR)$(sysusersdir)/lain-console.conf

# The installed binary reads the installed example config (make distcheck
# runs this after its install).
installcheck-local:
	$(DESTDIR)$(bindir)/lain-console --check-config --config $(DESTDIR)$(pkgsysconfdir)/console.conf >/dev/null

# Where make install puts things, as NAME=value lines (tests/service/test_install.py).
print-install-dirs:
	@echo prefix=$(prefix); echo bindir=$(bindir); echo pkgdatadir=$(pkgdatadir); \
	echo webdir=$(webdir); echo nginxconfdir=$(nginxconfdir); \
	echo pkgsysconfdir=$(pkgsysconfdir); echo systemdsystemunitdir=$(systemdsystemunitdir); \
	echo sysusersdir=$(sysusersdir); echo docdir=$(docdir); \
	echo NGINX_STATE_DIR=$(NGINX_STATE_DIR); echo NGINX_LOG_DIR=$(NGINX_LOG_DIR); \
	echo NGINX_CONF_DIR=$(NGINX_CONF_DIR); echo NGINX_MIME_TYPES=$(NGINX_MIME_TYPES); \
	echo CONSOLE_RUN_SOCKET=$(CONSOLE_RUN_SOCKET)

.PHONY: install-web uninstall-web install-example-config uninstall-example-config \
	install-sysusers uninstall-sysusers print-install-dirs
