/* Dockerfile, .dockerignore and .github/workflows: read as data and held to the install
 * contract (issue 8), since no image builder or hadolint runs here. The runtime stage runs as a
 * numeric non-root user and carries no compiler, make or -dev package; it installs the runtime
 * library of every library the build links (mk/build.mk PKGS) and the build stage the -dev
 * package of each (scripts/deps.sh). Workflows pin every action by commit digest, test pull
 * requests with `make test`, and publish a multi-arch image with provenance on tags. */
#include <check.h>
#include <ctype.h>
#include <dirent.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/yamlconv.h"

#define MAX_STAGES 8
#define MAX_INSTR 128

static char *read_src(const char *rel)
{
    const char *root = getenv("FO_SRC_DIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", root && *root ? root : ".", rel);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* ---- Dockerfile ----------------------------------------------------------------------------- */

typedef struct instr {
    char op[16]; /* FROM, RUN, COPY, USER, ... (upper case) */
    char *args;  /* continuation lines joined, comments dropped */
} instr;

typedef struct dockerfile {
    instr v[MAX_INSTR];
    int n;
    int stage_start[MAX_STAGES]; /* index of each FROM */
    int stages;
} dockerfile;

static void parse_dockerfile(const char *text, dockerfile *df)
{
    memset(df, 0, sizeof *df);
    char *copy = strdup(text), *save = NULL;
    char logical[8192] = "";
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        while (*line == ' ' || *line == '\t')
            line++;
        if (*line == '#' || *line == '\0')
            continue;
        size_t len = strlen(line);
        bool more = len && line[len - 1] == '\\';
        if (more)
            line[len - 1] = ' ';
        strncat(logical, line, sizeof logical - strlen(logical) - 2);
        strcat(logical, " ");
        if (more)
            continue;
        ck_assert_int_lt(df->n, MAX_INSTR);
        instr *in = &df->v[df->n];
        size_t op = strcspn(logical, " \t");
        ck_assert_uint_lt(op, sizeof in->op);
        for (size_t i = 0; i < op; i++)
            in->op[i] = (char)toupper((unsigned char)logical[i]);
        in->args = strdup(logical + op + strspn(logical + op, " \t"));
        if (!strcmp(in->op, "FROM")) {
            ck_assert_int_lt(df->stages, MAX_STAGES);
            df->stage_start[df->stages++] = df->n;
        }
        df->n++;
        logical[0] = '\0';
    }
    free(copy);
}

static void free_dockerfile(dockerfile *df)
{
    for (int i = 0; i < df->n; i++)
        free(df->v[i].args);
}

/* Does the text mention word as a whole word (package names)? */
static bool has_word(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = strstr(text, word); p; p = strstr(p + 1, word)) {
        bool start = p == text || isspace((unsigned char)p[-1]);
        bool end = p[n] == '\0' || isspace((unsigned char)p[n]);
        if (start && end)
            return true;
    }
    return false;
}

/* Runtime package (Debian 12) of each pkg-config module mk/build.mk links. */
static const char *const runtime_of[][2] = {{"libmicrohttpd", "libmicrohttpd12"},
                                            {"libcurl", "libcurl3-gnutls"},
                                            {"jansson", "libjansson4"},
                                            {"yaml-0.1", "libyaml-0-2"},
                                            {"gnutls", "libgnutls30"}};

START_TEST(runtime_stage_runs_as_a_numeric_non_root_user)
{
    char *text = read_src("Dockerfile");
    dockerfile df;
    parse_dockerfile(text, &df);
    ck_assert_int_ge(df.stages, 2);
    int last = df.stage_start[df.stages - 1];
    const char *user = NULL;
    for (int i = last; i < df.n; i++)
        if (!strcmp(df.v[i].op, "USER"))
            user = df.v[i].args;
    ck_assert_msg(user != NULL, "the runtime stage sets no USER");
    regex_t re;
    ck_assert_int_eq(regcomp(&re, "^[0-9]+(:[0-9]+)? *$", REG_EXTENDED | REG_NOSUB), 0);
    ck_assert_msg(regexec(&re, user, 0, NULL, 0) == 0, "USER %s is not numeric", user);
    regfree(&re);
    ck_assert_msg(atoi(user) > 0, "USER %s is root", user);
    /* The manifests run the same uid (runAsUser 65532). */
    ck_assert_int_eq(atoi(user), 65532);
    /* Exec-form entrypoint (no shell, signals reach the process). */
    for (int i = last; i < df.n; i++)
        if (!strcmp(df.v[i].op, "ENTRYPOINT") || !strcmp(df.v[i].op, "CMD"))
            ck_assert_msg(df.v[i].args[0] == '[', "%s must use the exec form", df.v[i].op);
    free_dockerfile(&df);
    free(text);
}
END_TEST

START_TEST(runtime_stage_has_no_build_tools_and_only_runtime_libraries)
{
    static const char *const build_tools[] = {
        "gcc",       "g++",   "clang", "make", "cmake", "pkg-config", "build-essential",
        "libc6-dev", "check", "git",   NULL};
    char *text = read_src("Dockerfile");
    dockerfile df;
    parse_dockerfile(text, &df);
    int last = df.stage_start[df.stages - 1];
    /* The runtime stage starts from slim Debian 12, like the build stage. */
    const char *from = df.v[last].args;
    ck_assert_msg(strstr(from, "DEBIAN_IMAGE") || strstr(from, "bookworm-slim") ||
                      strstr(from, "debian:12-slim"),
                  "runtime base %s", from);
    ck_assert_ptr_nonnull(strstr(text, "debian:bookworm-slim"));
    bool apt_cleaned = false;
    for (int i = last; i < df.n; i++) {
        const instr *in = &df.v[i];
        if (!strcmp(in->op, "RUN")) {
            for (int k = 0; build_tools[k]; k++)
                ck_assert_msg(!has_word(in->args, build_tools[k]), "runtime stage installs %s",
                              build_tools[k]);
            ck_assert_msg(!strstr(in->args, "-dev ") && !strstr(in->args, "-dev\t"),
                          "runtime stage installs a -dev package: %s", in->args);
            if (strstr(in->args, "apt-get install"))
                ck_assert_ptr_nonnull(strstr(in->args, "--no-install-recommends"));
            apt_cleaned = apt_cleaned || strstr(in->args, "rm -rf /var/lib/apt/lists") != NULL;
            for (size_t k = 0; k < sizeof runtime_of / sizeof runtime_of[0]; k++)
                if (strstr(in->args, "apt-get install"))
                    ck_assert_msg(has_word(in->args, runtime_of[k][1]), "runtime stage lacks %s",
                                  runtime_of[k][1]);
        }
        if (!strcmp(in->op, "COPY") || !strcmp(in->op, "ADD")) {
            ck_assert_msg(!strcmp(in->op, "COPY") && strstr(in->args, "--from=build"),
                          "runtime stage takes files from the build context: %s", in->args);
            ck_assert_ptr_nonnull(strstr(in->args, "/usr/local/bin/"));
        }
    }
    ck_assert_msg(apt_cleaned, "runtime stage keeps the apt lists");
    free_dockerfile(&df);
    free(text);
}
END_TEST

/* Every program the image is meant to carry is built in the build stage, stripped, and copied
 * into the runtime stage, and is a program mk/build.mk knows. */
START_TEST(the_image_builds_strips_and_ships_every_program)
{
    static const char *const programs[] = {"flinkop-controller", "flinkop-webhook",
                                           "flinkop-fetch"};
    char *mk = read_src("mk/build.mk");
    char *text = read_src("Dockerfile");
    dockerfile df;
    parse_dockerfile(text, &df);
    int last = df.stage_start[df.stages - 1];
    for (size_t k = 0; k < sizeof programs / sizeof programs[0]; k++) {
        char in_mk[128], built[128], copied[128];
        snprintf(in_mk, sizeof in_mk, "%s:", programs[k]);
        snprintf(built, sizeof built, "build/%s", programs[k]);
        snprintf(copied, sizeof copied, "/src/build/%s", programs[k]);
        ck_assert_msg(strstr(mk, in_mk) != NULL, "mk/build.mk has no program %s", programs[k]);
        bool made = false, stripped = false, shipped = false;
        for (int i = 0; i < df.n; i++) {
            const instr *in = &df.v[i];
            if (i < last && !strcmp(in->op, "RUN") && strstr(in->args, "make ")) {
                const char *strip = strstr(in->args, "strip ");
                const char *b = strstr(in->args, built);
                made = made || (b && (!strip || b < strip));
                stripped = stripped || (strip && strstr(strip, built));
            }
            if (i >= last && !strcmp(in->op, "COPY"))
                shipped = shipped || has_word(in->args, copied);
        }
        ck_assert_msg(made, "the build stage does not build %s", programs[k]);
        ck_assert_msg(stripped, "the build stage does not strip %s", programs[k]);
        ck_assert_msg(shipped, "the runtime stage does not copy %s", programs[k]);
    }
    free_dockerfile(&df);
    free(text);
    free(mk);
}
END_TEST

/* Every library mk/build.mk links has its -dev package in the build stage (as scripts/deps.sh
 * installs them) and a runtime package above. */
START_TEST(build_stage_installs_what_the_build_links)
{
    char *mk = read_src("mk/build.mk");
    char *deps = read_src("scripts/deps.sh");
    char *text = read_src("Dockerfile");
    dockerfile df;
    parse_dockerfile(text, &df);
    char *build_stage = calloc(1, 65536);
    for (int i = 0; i < df.stage_start[df.stages - 1]; i++)
        if (!strcmp(df.v[i].op, "RUN"))
            strncat(build_stage, df.v[i].args, 65535 - strlen(build_stage));
    const char *line = strstr(mk, "PKGS :=");
    ck_assert_ptr_nonnull(line);
    char pkgs[512];
    snprintf(pkgs, sizeof pkgs, "%.*s", (int)strcspn(line + 7, "\n"), line + 7);
    size_t modules = 0;
    for (char *save = NULL, *m = strtok_r(pkgs, " ", &save); m; m = strtok_r(NULL, " ", &save)) {
        bool known = false;
        for (size_t k = 0; k < sizeof runtime_of / sizeof runtime_of[0]; k++)
            known = known || !strcmp(runtime_of[k][0], m);
        ck_assert_msg(known, "mk/build.mk links %s: add its runtime package to the Dockerfile", m);
        char pair[128];
        snprintf(pair, sizeof pair, "%s:", m);
        const char *p = strstr(deps, pair);
        ck_assert_msg(p != NULL, "scripts/deps.sh has no package for %s", m);
        char dev[64];
        ck_assert_int_eq(sscanf(p + strlen(pair), "%63[a-z0-9.+-]", dev), 1);
        ck_assert_msg(has_word(build_stage, dev), "build stage lacks %s", dev);
        modules++;
    }
    ck_assert_uint_eq(modules, 5);
    free(build_stage);
    free_dockerfile(&df);
    free(text);
    free(deps);
    free(mk);
}
END_TEST

START_TEST(dockerignore_admits_only_the_sources)
{
    char *text = read_src(".dockerignore");
    bool star = false, reincludes_bad = false, has_common = false;
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (l[0] == '#')
            continue;
        if (!strcmp(l, "*"))
            star = true;
        if (l[0] == '!' && (strstr(l, "build") || strstr(l, "manifests") || strstr(l, "certs") ||
                            strstr(l, ".git")))
            reincludes_bad = true;
        has_common = has_common || !strcmp(l, "!common/");
    }
    ck_assert_msg(star, ".dockerignore must start from '*' (allow-list)");
    ck_assert_msg(!reincludes_bad, "build output, keys or .git re-included");
    ck_assert(has_common);
    free(text);
}
END_TEST

/* ---- workflows ---------------------------------------------------------------------------- */

static json_t *load_workflow(const char *name, char **raw)
{
    char rel[256];
    snprintf(rel, sizeof rel, ".github/workflows/%s", name);
    *raw = read_src(rel);
    fo_err err;
    json_t *wf = fo_yaml_parse(*raw, strlen(*raw), 0, &err);
    ck_assert_msg(wf != NULL, "%s: %s", rel, err.message);
    return wf;
}

/* `on:` reads as the boolean true in YAML 1.1 (and so as the key "true"). */
static const json_t *triggers(const json_t *wf)
{
    const json_t *on = json_object_get(wf, "on");
    return on ? on : json_object_get(wf, "true");
}

static void collect_steps(const json_t *wf, json_t *steps)
{
    const char *job;
    json_t *j;
    json_object_foreach(json_object_get(wf, "jobs"), job, j)
    {
        size_t i;
        json_t *s;
        json_array_foreach(json_object_get(j, "steps"), i, s) json_array_append(steps, s);
    }
}

START_TEST(every_action_is_pinned_by_commit_digest)
{
    static const char *const files[] = {"ci.yml", "release.yml"};
    regex_t re;
    ck_assert_int_eq(
        regcomp(&re, "^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+@[0-9a-f]{40}$", REG_EXTENDED | REG_NOSUB),
        0);
    json_t *used = json_array();
    for (int f = 0; f < 2; f++) {
        char *raw;
        json_t *wf = load_workflow(files[f], &raw);
        ck_assert_str_eq(fo_json_get_str(wf, "permissions.contents"), "read");
        json_t *steps = json_array();
        collect_steps(wf, steps);
        size_t i;
        json_t *s;
        json_array_foreach(steps, i, s)
        {
            const char *uses = fo_json_str(s, "uses");
            if (!uses)
                continue;
            ck_assert_msg(regexec(&re, uses, 0, NULL, 0) == 0, "%s: %s is not pinned by digest",
                          files[f], uses);
            /* The readable version next to the digest: "uses: x@<sha> # vN.N.N". */
            const char *at = strstr(raw, uses);
            ck_assert_ptr_nonnull(at);
            ck_assert_msg(!strncmp(at + strlen(uses), " # v", 4), "%s: %s lacks its # vX tag",
                          files[f], uses);
            char name[128];
            snprintf(name, sizeof name, "%.*s", (int)strcspn(uses, "@"), uses);
            json_array_append_new(used, json_string(name));
            const char *with = fo_json_get_str(s, "with.persist-credentials");
            if (!strcmp(name, "actions/checkout"))
                ck_assert_msg(json_is_false(fo_json_get(s, "with.persist-credentials")),
                              "%s: checkout keeps credentials (%s)", files[f], with ? with : "");
        }
        json_decref(steps);
        json_decref(wf);
        free(raw);
    }
    static const char *const required[] = {"actions/checkout",         "docker/setup-buildx-action",
                                           "docker/login-action",      "docker/build-push-action",
                                           "docker/setup-qemu-action", "docker/metadata-action"};
    for (size_t k = 0; k < sizeof required / sizeof required[0]; k++) {
        bool found = false;
        size_t i;
        json_t *u;
        json_array_foreach(used, i, u) found = found || !strcmp(json_string_value(u), required[k]);
        ck_assert_msg(found, "no workflow uses %s", required[k]);
    }
    json_decref(used);
    regfree(&re);
}
END_TEST

START_TEST(pull_requests_run_make_test)
{
    char *raw;
    json_t *wf = load_workflow("ci.yml", &raw);
    ck_assert_ptr_nonnull(json_object_get(triggers(wf), "pull_request"));
    json_t *steps = json_array();
    collect_steps(wf, steps);
    bool make_test = false, check_crds = false;
    size_t i;
    json_t *s;
    json_array_foreach(steps, i, s)
    {
        const char *run = fo_json_str(s, "run");
        make_test = make_test || (run && has_word(run, "test") && strstr(run, "make test"));
        check_crds = check_crds || (run && strstr(run, "check-crds"));
    }
    ck_assert_msg(make_test, "ci.yml does not run `make test`");
    ck_assert_msg(check_crds, "ci.yml does not check that crds/ is generated");
    /* On Debian 12, like the target machine. */
    ck_assert_str_eq(fo_json_get_str(wf, "jobs.test.container"), "debian:12");
    json_decref(steps);
    json_decref(wf);
    free(raw);
}
END_TEST

START_TEST(tags_publish_a_multi_arch_image_with_provenance_to_both_registries)
{
    char *raw;
    json_t *wf = load_workflow("release.yml", &raw);
    ck_assert_ptr_nonnull(fo_json_get(triggers(wf), "push.tags"));
    ck_assert_ptr_null(json_object_get(triggers(wf), "pull_request"));
    ck_assert_str_eq(fo_json_get_str(wf, "jobs.image.permissions.packages"), "write");
    json_t *steps = json_array();
    collect_steps(wf, steps);
    bool ghcr_login = false, hub_login = false, pushed = false;
    size_t i;
    json_t *s;
    json_array_foreach(steps, i, s)
    {
        const char *uses = fo_json_str(s, "uses");
        if (!uses)
            continue;
        if (strstr(uses, "docker/login-action@")) {
            const char *reg = fo_json_get_str(s, "with.registry");
            if (reg && !strcmp(reg, "ghcr.io"))
                ghcr_login = true;
            else if (!reg)
                hub_login = true; /* Docker Hub is the default registry */
        }
        if (strstr(uses, "docker/metadata-action@")) {
            const char *images = fo_json_get_str(s, "with.images");
            ck_assert(images && strstr(images, "docker.io/") && strstr(images, "ghcr.io/"));
        }
        if (strstr(uses, "docker/build-push-action@")) {
            const char *platforms = fo_json_get_str(s, "with.platforms");
            ck_assert(platforms && strstr(platforms, "linux/amd64") &&
                      strstr(platforms, "linux/arm64"));
            ck_assert(json_is_true(fo_json_get(s, "with.push")));
            const char *prov = fo_json_get_str(s, "with.provenance");
            ck_assert_msg(prov && strstr(prov, "mode=max"), "provenance not attested");
            pushed = true;
        }
    }
    ck_assert(ghcr_login && hub_login && pushed);
    json_decref(steps);
    json_decref(wf);
    free(raw);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("image_ci");
    TCase *tc = tcase_create("image and ci");
    tcase_add_test(tc, runtime_stage_runs_as_a_numeric_non_root_user);
    tcase_add_test(tc, runtime_stage_has_no_build_tools_and_only_runtime_libraries);
    tcase_add_test(tc, build_stage_installs_what_the_build_links);
    tcase_add_test(tc, the_image_builds_strips_and_ships_every_program);
    tcase_add_test(tc, dockerignore_admits_only_the_sources);
    tcase_add_test(tc, every_action_is_pinned_by_commit_digest);
    tcase_add_test(tc, pull_requests_run_make_test);
    tcase_add_test(tc, tags_publish_a_multi_arch_image_with_provenance_to_both_registries);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
