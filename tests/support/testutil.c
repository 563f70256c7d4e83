#include "tests/support/testutil.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "test support: %s: %s\n", what, detail);
    abort();
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (!p)
        die("join", "out of memory");
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

char *fo_test_data_path(const char *name)
{
    const char *dir = getenv("FO_TEST_DATA");
    return join(dir && *dir ? dir : "tests/data", name);
}

int fo_test_each_json_fixture(void (*fn)(const char *name, const char *text, size_t len,
                                         void *ctx),
                              void *ctx)
{
    char *dir = fo_test_data_path("");
    DIR *d = opendir(dir);
    if (!d)
        die(dir, strerror(errno));
    int files = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        size_t len;
        char *text = fo_test_read_data(e->d_name, &len);
        fn(e->d_name, text, len, ctx);
        free(text);
        files++;
    }
    closedir(d);
    free(dir);
    return files;
}

char *fo_test_read_data(const char *name, size_t *len)
{
    char *path = fo_test_data_path(name);
    FILE *f = fopen(path, "rb");
    if (!f)
        die(path, strerror(errno));
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
        die(path, "read failed");
    buf[n] = '\0';
    fclose(f);
    free(path);
    if (len)
        *len = (size_t)n;
    return buf;
}

char *fo_test_bin_path(const char *program)
{
    const char *dir = getenv("FO_BIN_DIR");
    return join(dir && *dir ? dir : "build/san", program);
}

char *fo_test_mkdtemp(void)
{
    const char *tmp = getenv("TMPDIR");
    char *templ = join(tmp && *tmp ? tmp : "/tmp", "flinkop-test-XXXXXX");
    if (!mkdtemp(templ))
        die("mkdtemp", strerror(errno));
    return templ;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void fo_test_rmdir(const char *dir)
{
    if (dir)
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Ports are drawn below the kernel's ephemeral range (32768-60999 by default): a port the
 * kernel hands out for outgoing connections could otherwise be taken by a running process
 * between this check and the bind of the program under test. */
int fo_test_free_port(void)
{
    static unsigned seed;
    static int given[64]; /* ports handed out already: a caller may not have bound them yet */
    static size_t ngiven;
    if (!seed)
        seed = (unsigned)getpid() ^ (unsigned)time(NULL);
    for (int attempt = 0; attempt < 1000; attempt++) {
        int port = 20000 + (int)(rand_r(&seed) % 12700);
        bool repeat = false;
        for (size_t i = 0; i < ngiven && i < 64; i++)
            repeat |= given[i] == port;
        if (repeat)
            continue;
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
            die("free port", strerror(errno));
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int ok = bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
        close(fd);
        if (ok) {
            given[ngiven++ % 64] = port;
            return port;
        }
    }
    die("free port", "no free port between 20000 and 32700");
    return -1;
}

void fo_test_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        die(path, strerror(errno));
    fputs(text, f);
    if (fclose(f) != 0)
        die(path, strerror(errno));
}

pid_t fo_test_spawn(char *const argv[], const char *log_path)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    if (log_path) {
        int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
            close(fd);
        }
    }
    execv(argv[0], argv);
    fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

static const char *const PROXY_VARS[] = {"HTTP_PROXY", "http_proxy", "HTTPS_PROXY",
                                         "https_proxy", "ALL_PROXY",  "all_proxy",
                                         "NO_PROXY",   "no_proxy",   "REQUEST_METHOD"};
#define NPROXY_VARS (sizeof PROXY_VARS / sizeof *PROXY_VARS)

char **fo_test_proxy_env_clear(void)
{
    char **saved = calloc(NPROXY_VARS, sizeof *saved);
    if (!saved)
        abort();
    for (size_t i = 0; i < NPROXY_VARS; i++) {
        const char *v = getenv(PROXY_VARS[i]);
        saved[i] = v ? strdup(v) : NULL;
        unsetenv(PROXY_VARS[i]);
    }
    return saved;
}

void fo_test_proxy_env_restore(char **saved)
{
    for (size_t i = 0; i < NPROXY_VARS; i++) {
        if (saved[i])
            setenv(PROXY_VARS[i], saved[i], 1);
        else
            unsetenv(PROXY_VARS[i]);
        free(saved[i]);
    }
    free(saved);
}

void fo_test_sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

void fo_test_exhaust_fds(struct rlimit *saved)
{
    int lowest = getrlimit(RLIMIT_NOFILE, saved) == 0 ? dup(0) : -1;
    if (lowest < 0)
        die("RLIMIT_NOFILE", strerror(errno));
    close(lowest);
    struct rlimit tight = {(rlim_t)lowest, saved->rlim_max};
    if (setrlimit(RLIMIT_NOFILE, &tight) != 0)
        die("RLIMIT_NOFILE", strerror(errno));
}

void fo_test_restore_fd_limit(const struct rlimit *saved)
{
    if (setrlimit(RLIMIT_NOFILE, saved) != 0)
        die("RLIMIT_NOFILE", strerror(errno));
}

int fo_test_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

bool fo_test_wait_port(int port, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 20) {
        int fd = fo_test_connect(port);
        if (fd >= 0) {
            close(fd);
            return true;
        }
        fo_test_sleep_ms(20);
    }
    return false;
}

int fo_test_stop(pid_t pid, int sig, int timeout_ms)
{
    if (pid <= 0)
        return -1;
    kill(pid, sig);
    for (int waited = 0; waited <= timeout_ms; waited += 10) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return status;
        fo_test_sleep_ms(10);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}
