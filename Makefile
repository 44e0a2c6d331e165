# pg_idm: PGXS build.  `make`, `make install`, `make installcheck`.
# scripts/test drives everything against a private staging install.

EXTENSION    = pg_idm
EXTVERSION   = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" pg_idm.control)
MODULE_big   = pg_idm
OBJS         = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))
PGFILEDESC   = "pg_idm - identity data model with webhook events"

# The install script is generated from one source file per concern.
INSTALL_SOURCES = $(sort $(wildcard sql/install/*.sql))
DATA_built   = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA         = $(wildcard sql/$(EXTENSION)--*--*.sql)

TESTS        = $(sort $(filter-out sql/$(EXTENSION)--%,$(wildcard sql/*.sql)))
REGRESS      = $(patsubst sql/%.sql,%,$(TESTS))
REGRESS_OPTS = --inputdir=. --temp-instance=./tmp_check \
               --temp-config=test/regress.conf $(EXTRA_REGRESS_OPTS)
ISOLATION    = $(patsubst test/specs/%.spec,%,$(sort $(wildcard test/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test --temp-instance=./tmp_check_iso \
               --temp-config=test/regress.conf $(EXTRA_REGRESS_OPTS)

JSONC_CFLAGS := $(shell pkg-config --cflags json-c)
JSONC_LIBS   := $(shell pkg-config --libs json-c)
# libcrypto (OpenSSL, which PostgreSQL itself links): AES-256-GCM credentials
CRYPTO_CFLAGS := $(shell pkg-config --cflags libcrypto)
CRYPTO_LIBS  := $(shell pkg-config --libs libcrypto)
PG_CPPFLAGS  = $(JSONC_CFLAGS) $(CRYPTO_CFLAGS) -Isrc
# -MMD -MP: objects depend on the headers they include (a changed struct in a
# header must rebuild every file using it)
PG_CFLAGS    = -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers -MMD -MP
SHLIB_LINK   = $(JSONC_LIBS) $(CRYPTO_LIBS)
EXTRA_CLEAN  = $(DATA_built) src/*.d tmp_check tmp_check_iso output_iso results regression.diffs regression.out

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(DATA_built): $(INSTALL_SOURCES) pg_idm.control
	( echo '-- generated from sql/install/*.sql by the Makefile; edit those files'; \
	  printf '%s\n' '\echo Use "CREATE EXTENSION pg_idm" to load this file. \quit'; \
	  for f in $(INSTALL_SOURCES); do echo; echo "-- $$f"; cat $$f; done ) > $@

-include $(wildcard src/*.d)
