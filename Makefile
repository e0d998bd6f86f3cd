# Tarn's C code: lib/ (shared by the agent, the CLI and the console), and its
# unit tests. `make SAN=1` builds with AddressSanitizer and UBSan into a
# separate tree, which is what the tests use.
CC      ?= cc
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -D_GNU_SOURCE -Ilib
LDLIBS  += -lsqlite3 -lcrypt -lgnutls
ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
BUILD   ?= out/c-san
else
BUILD   ?= out/c
endif

LIB_SRC := $(wildcard lib/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
TESTS   := $(patsubst tests/unit/c/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/c/test_*.c))

TARND_SRC := $(wildcard services/tarnd/*.c) $(wildcard services/cmd-*.c)
XMLRPC_SERVER_LIBS := -lxmlrpc_server -lxmlrpc -lxmlrpc_util
XEN_LIBS := -lxlutil -lxenlight -lxenctrl -lxentoollog
TARND_LIBS := -lmicrohttpd -lgnutls -lcurl -lxmlrpc_client $(XMLRPC_SERVER_LIBS) $(LDLIBS) -ldqlite $(XEN_LIBS) -lpthread
TARNCTL_SRC := $(wildcard services/tarnctl/*.c)
TARNCTL_LIBS := -lxmlrpc_client -lxmlrpc -lxmlrpc_util -lcurl
TUI_SRC := $(wildcard tui/*.c)
TUI_LIBS := -lncursesw -ltinfo $(TARNCTL_LIBS) -lxenlight # lib/cpulist.c: the pins form's check
VERSION := $(shell cat VERSION)

all: $(BUILD)/libtarn.a $(BUILD)/tarnd $(BUILD)/tarnctl $(BUILD)/tarn-tui $(BUILD)/tarn-setup \
	$(BUILD)/tarn-pool-recover
tests: $(TESTS) $(BUILD)/tarnd $(BUILD)/tarnctl $(BUILD)/tarn-tui $(BUILD)/tarn-setup $(BUILD)/tarn-pool-recover

$(BUILD)/tarn-tui: $(TUI_SRC) $(wildcard tui/*.h) $(BUILD)/libtarn.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itui -DTARN_VERSION='"$(VERSION)"' $(LDFLAGS) \
		-o $@ $(TUI_SRC) $(BUILD)/libtarn.a $(LDLIBS) $(TUI_LIBS)

# the first-boot wizard's helper (tui/setup/main.c says why it exists)
$(BUILD)/tarn-setup: $(wildcard tui/setup/*.c) $(BUILD)/libtarn.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(wildcard tui/setup/*.c) $(BUILD)/libtarn.a $(LDLIBS)

# rewrites a pool node's Raft configuration after a lost majority (its main.c says how)
$(BUILD)/tarn-pool-recover: $(wildcard services/pool-recover/*.c) $(BUILD)/libtarn.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(wildcard services/pool-recover/*.c) $(BUILD)/libtarn.a $(LDLIBS) -ldqlite

$(BUILD)/tarnctl: $(TARNCTL_SRC) services/tarnctl/verb.h $(BUILD)/libtarn.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iservices/tarnctl $(LDFLAGS) -o $@ $(TARNCTL_SRC) $(BUILD)/libtarn.a $(TARNCTL_LIBS)

$(BUILD)/tarnd: $(TARND_SRC) $(wildcard services/*.h services/tarnd/*.h) $(BUILD)/libtarn.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iservices -Iservices/tarnd -DTARN_VERSION='"$(VERSION)"' $(LDFLAGS) \
		-o $@ $(TARND_SRC) $(BUILD)/libtarn.a $(TARND_LIBS)

# tarnd with libxl's test double in place of the hypervisor's calls: guests
# run as files in $$TARN_XEN_DOUBLE (tests only; never in the image)
tests: $(BUILD)/tarnd-double
$(BUILD)/tarnd-double: $(TARND_SRC) tests/double/libxl.c $(wildcard services/*.h services/tarnd/*.h) \
		$(BUILD)/libtarn.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iservices -Iservices/tarnd -DTARN_VERSION='"$(VERSION)"' $(LDFLAGS) \
		-o $@ $(TARND_SRC) tests/double/libxl.c $(BUILD)/libtarn.a $(TARND_LIBS)

$(BUILD)/libtarn.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/%.o: %.c $(wildcard lib/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# the engine's pure code (no libxl context, no store) that unit tests drive directly,
# and the pool's TLS carrier
ENGINE_PURE := services/tarnd/guest-decide.c services/tarnd/pool-tls.c services/tarnd/migrate-proto.c

$(BUILD)/tests/%: tests/unit/c/%.c $(wildcard tests/unit/c/*.h) $(BUILD)/libtarn.a $(ENGINE_PURE) \
		$(ENGINE_PURE:.c=.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit/c -Iservices/tarnd $(LDFLAGS) -o $@ $< $(ENGINE_PURE) $(BUILD)/libtarn.a \
		$(LDLIBS) -ldqlite $(XEN_LIBS) -lpthread

# libFuzzer build of request parsing and dispatch (clang, with ASan/UBSan)
FUZZ_SRC := tests/fuzz/fuzz_rpc.c services/tarnd/registry.c $(wildcard services/cmd-*.c) \
            $(filter-out lib/client.c,$(LIB_SRC))
out/fuzz/fuzz_rpc: $(FUZZ_SRC) $(wildcard lib/*.h services/*.h services/tarnd/*.h)
	@mkdir -p $(dir $@)
	clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Ilib -Iservices \
		-Iservices/tarnd -o $@ $(FUZZ_SRC) $(XMLRPC_SERVER_LIBS) $(LDLIBS) $(XEN_LIBS) -lpthread

clean:
	rm -rf out/c out/c-san

.PHONY: all tests clean
.DELETE_ON_ERROR:
