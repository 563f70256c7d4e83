#ifndef FO_TESTUTIL_H
#define FO_TESTUTIL_H

/* Helpers shared by the Check suites: fixture paths, temporary directories, free ports,
 * spawning the project's programs. Test code only. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Absolute path of tests/data/<name> (from $FO_TEST_DATA, else ./tests/data). Caller frees. */
char *fo_test_data_path(const char *name);

/* Contents of tests/data/<name> as a NUL-terminated heap string (aborts the test on error). */
char *fo_test_read_data(const char *name, size_t *len);

/* Call fn with the name and contents of every JSON fixture in tests/data; returns how many. */
int fo_test_each_json_fixture(void (*fn)(const char *name, const char *text, size_t len,
                                         void *ctx),
                              void *ctx);

/* Absolute path of a built program (from $FO_BIN_DIR, else ./build/san). Caller frees. */
char *fo_test_bin_path(const char *program);

/* A fresh directory under $TMPDIR (or /tmp), removed with fo_test_rmdir. Caller frees. */
char *fo_test_mkdtemp(void);
void fo_test_rmdir(const char *dir);

/* A TCP port on 127.0.0.1 that was free a moment ago. */
int fo_test_free_port(void);

/* Write text to path (aborts the test on error). */
void fo_test_write_file(const char *path, const char *text);

/* Start argv[0] (a path) with argv, stdout/stderr appended to log_path (may be NULL: inherit).
 * Returns the pid, or -1. */
pid_t fo_test_spawn(char *const argv[], const char *log_path);

/* A TCP socket connected to 127.0.0.1:port, or -1 (errno says why). */
int fo_test_connect(int port);

/* Wait until 127.0.0.1:port accepts TCP connections, up to timeout_ms. */
bool fo_test_wait_port(int port, int timeout_ms);

/* Send sig and wait for the process; returns its exit status as waitpid reports it
 * (use WIFEXITED/WEXITSTATUS), or -1 when it did not end within timeout_ms (then it is killed). */
int fo_test_stop(pid_t pid, int sig, int timeout_ms);

/* Sleep for ms milliseconds (only for waiting on real processes). */
void fo_test_sleep_ms(int ms);

/* Unset the variables that choose a proxy (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY in
 * both cases, REQUEST_METHOD) and return their values; fo_test_proxy_env_restore puts them
 * back and frees what this returned. */
char **fo_test_proxy_env_clear(void);
void fo_test_proxy_env_restore(char **saved);

/* No file descriptor left: the soft RLIMIT_NOFILE becomes the lowest free descriptor, so the
 * next open(2) fails with EMFILE; *saved keeps the limits for fo_test_restore_fd_limit. */
struct rlimit;
void fo_test_exhaust_fds(struct rlimit *saved);
void fo_test_restore_fd_limit(const struct rlimit *saved);

#endif
