/* manifests/: every kustomization renders with `kubectl kustomize`, every rendered object
 * passes the Kubernetes OpenAPI v3 schema of its kind (and ours / cert-manager's CRD
 * schemas), and the install meets its contract (issue 8): restricted, non-root, read-only
 * pods with requests, limits and probes; least-privilege RBAC; webhook configurations that
 * fail closed but skip the operator's namespace; an HA webhook; the flags the processes
 * expect; and the TLS plumbing of both certificate overlays. The self-signed overlay is
 * rendered from a copy of the tree after certs/gen.sh has run there. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "common/cluster_defaults.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "common/yamlconv.h"
#include "controller/config.h"
#include "tests/support/testutil.h"
#include "tests/tools/kubecheck/kubecheck.h"
#include "webhook/config.h"

#define NS "flinkop-system"
#define RENDER_MAX_BYTES (32u * 1024 * 1024)

/* FINALIZERS: the cert-manager overlay with the component manifests/components/
 * finalizers-without-webhook, as a user adds it (a kustomization written into the copy). */
enum { BASE, CERT_MANAGER, SELF_SIGNED, WATCH_NAMESPACES, FINALIZERS, OVERLAYS };
static const char *const overlay_dirs[OVERLAYS] = {
    "manifests/base", "manifests/overlays/cert-manager", "manifests/overlays/self-signed",
    "manifests/overlays/watch-namespaces", "manifests/overlays/with-finalizers-component"};

static fo_kubecheck_schemas *schemas;
static json_t *rendered[OVERLAYS];
static char *tmp_tree;

static const char *src_dir(void)
{
    const char *root = getenv("FO_SRC_DIR");
    return root && *root ? root : ".";
}

static char *run_capture(const char *cmd, int *status)
{
    FILE *p = popen(cmd, "r");
    ck_assert_msg(p != NULL, "cannot run %s", cmd);
    fo_strbuf sb;
    fo_strbuf_init(&sb, RENDER_MAX_BYTES);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        ck_assert_int_eq(fo_strbuf_append(&sb, buf, n), FO_OK);
    *status = pclose(p);
    return fo_strbuf_take(&sb);
}

static json_t *render(const char *dir)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "kubectl kustomize '%s' 2>&1", dir);
    int status;
    char *out = run_capture(cmd, &status);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "kubectl kustomize %s failed (kubectl >= 1.27 with kustomize is needed): %.2000s",
                  dir, out);
    fo_err err;
    json_t *docs = fo_yaml_parse_all(out, strlen(out), RENDER_MAX_BYTES, &err);
    ck_assert_msg(docs != NULL, "%s: %s", dir, err.message);
    free(out);
    return docs;
}

static void setup(void)
{
    fo_err err;
    schemas = fo_kubecheck_schemas_new();
    char *dir = fo_test_data_path("kubernetes-openapi/v1.35");
    ck_assert_msg(fo_kubecheck_schemas_load_dir(schemas, dir, &err) == FO_OK, "%s", err.message);
    free(dir);
    const char *crds[] = {"cert-manager/v1.21.1/cert-manager.io_certificates.yaml",
                          "cert-manager/v1.21.1/cert-manager.io_issuers.yaml"};
    for (int i = 0; i < 2; i++) {
        char *p = fo_test_data_path(crds[i]);
        ck_assert_msg(fo_kubecheck_schemas_load_crd_file(schemas, p, &err) == FO_OK, "%s",
                      err.message);
        free(p);
    }
    /* The self-signed overlay needs certs/gen.sh's output: make it in a copy of the tree. */
    tmp_tree = fo_test_mkdtemp();
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && mkdir -p '%s/certs' && cp -R crds manifests '%s/' && "
             "cp certs/gen.sh '%s/certs/' && rm -rf '%s/manifests/overlays/self-signed/certs' && "
             "'%s/certs/gen.sh' >/dev/null 2>&1",
             src_dir(), tmp_tree, tmp_tree, tmp_tree, tmp_tree, tmp_tree);
    ck_assert_msg(system(cmd) == 0, "copying the tree or certs/gen.sh failed: %s", cmd);
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/%s' && printf '%%s\\n' 'apiVersion: kustomize.config.k8s.io/v1beta1' "
             "'kind: Kustomization' 'resources: [../cert-manager]' "
             "'components: [../../components/finalizers-without-webhook]' "
             "> '%s/%s/kustomization.yaml'",
             tmp_tree, overlay_dirs[FINALIZERS], tmp_tree, overlay_dirs[FINALIZERS]);
    ck_assert_msg(system(cmd) == 0, "writing the component's kustomization failed: %s", cmd);
    for (int i = 0; i < OVERLAYS; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s",
                 i == SELF_SIGNED || i == FINALIZERS ? tmp_tree : src_dir(), overlay_dirs[i]);
        rendered[i] = render(path);
        /* CRDs in the render describe custom resources in it. */
        size_t k;
        json_t *obj;
        json_array_foreach(rendered[i], k, obj)
        {
            const char *kind = fo_json_str(obj, "kind");
            if (kind && !strcmp(kind, "CustomResourceDefinition"))
                ck_assert_int_eq(fo_kubecheck_schemas_add_crd(schemas, obj, &err), FO_OK);
        }
    }
}

static void teardown(void)
{
    for (int i = 0; i < OVERLAYS; i++)
        json_decref(rendered[i]);
    fo_kubecheck_schemas_free(schemas);
    fo_test_rmdir(tmp_tree);
    free(tmp_tree);
}

static void assert_clean(fo_field_errors *errs, const char *what)
{
    char *all = fo_field_errors_join(errs, "\n  ");
    size_t n = fo_field_errors_count(errs);
    if (n)
        fprintf(stderr, "%s: %zu problems:\n  %s\n", what, n, all);
    ck_assert_msg(n == 0, "%s: %zu problems, first: %s", what, n, all);
    free(all);
    fo_field_errors_free(errs);
}

/* The object of a kind and name in a render, or NULL. Borrowed. */
static json_t *find(const json_t *docs, const char *kind, const char *name)
{
    size_t i;
    json_t *obj;
    json_array_foreach(docs, i, obj)
    {
        const char *k = fo_json_str(obj, "kind"), *n = fo_json_get_str(obj, "metadata.name");
        if (k && n && !strcmp(k, kind) && !strcmp(n, name))
            return obj;
    }
    return NULL;
}

static json_t *must_find(const json_t *docs, const char *kind, const char *name)
{
    json_t *obj = find(docs, kind, name);
    ck_assert_msg(obj != NULL, "no %s %s in the render", kind, name);
    return obj;
}

static bool has_string(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i,
                       v) if (json_is_string(v) && !strcmp(json_string_value(v), s)) return true;
    return false;
}

static const json_t *container(const json_t *deployment)
{
    return json_array_get(fo_json_get(deployment, "spec.template.spec.containers"), 0);
}

/* The value of a --flag=value argument, or NULL; "" for a bare --flag. */
static const char *arg(const json_t *c, const char *flag)
{
    size_t n = strlen(flag), i;
    json_t *a;
    json_array_foreach(json_object_get(c, "args"), i, a)
    {
        const char *s = json_string_value(a);
        if (s && !strncmp(s, flag, n) && (s[n] == '=' || s[n] == '\0'))
            return s[n] ? s + n + 1 : "";
    }
    return NULL;
}

/* ---- schemas ------------------------------------------------------------------------------ */

START_TEST(every_rendered_object_passes_the_schema_of_its_kind)
{
    fo_field_errors *errs = fo_field_errors_new();
    size_t i;
    json_t *obj;
    json_array_foreach(rendered[_i], i, obj)
    {
        fo_field_errors *one = fo_field_errors_new();
        fo_kubecheck_object(schemas, obj, NULL, one);
        for (size_t k = 0; k < fo_field_errors_count(one); k++)
            fo_field_errors_add(errs, FO_FE_INVALID, fo_json_str(obj, "kind"),
                                fo_json_get_str(obj, "metadata.name"), "%s",
                                fo_field_errors_get(one, k)->message);
        fo_field_errors_free(one);
    }
    ck_assert_uint_ge(json_array_size(rendered[_i]), 18);
    assert_clean(errs, overlay_dirs[_i]);
}
END_TEST

START_TEST(namespaced_objects_land_in_the_operator_namespace)
{
    static const char *const cluster_scoped[] = {"Namespace",
                                                 "CustomResourceDefinition",
                                                 "ClusterRole",
                                                 "ClusterRoleBinding",
                                                 "MutatingWebhookConfiguration",
                                                 "ValidatingWebhookConfiguration",
                                                 NULL};
    fo_field_errors *errs = fo_field_errors_new();
    size_t i;
    json_t *obj;
    json_array_foreach(rendered[_i], i, obj)
    {
        const char *kind = fo_json_str(obj, "kind"),
                   *ns = fo_json_get_str(obj, "metadata.namespace");
        bool cluster = false;
        for (int k = 0; cluster_scoped[k]; k++)
            cluster = cluster || !strcmp(kind, cluster_scoped[k]);
        bool watched = ns && (!strcmp(ns, "flink-team-a") || !strcmp(ns, "flink-team-b"));
        if (cluster && ns)
            fo_field_errors_add(errs, FO_FE_FORBIDDEN, kind, ns, "cluster-scoped with a namespace");
        else if (!cluster && !(ns && !strcmp(ns, NS)) && !(_i == WATCH_NAMESPACES && watched))
            fo_field_errors_add(errs, FO_FE_INVALID, kind, ns ? ns : "(none)", "must be in " NS);
        if (!json_object_get(fo_json_get(obj, "metadata.labels"), "app.kubernetes.io/part-of"))
            fo_field_errors_add(errs, FO_FE_REQUIRED, kind, fo_json_get_str(obj, "metadata.name"),
                                "label app.kubernetes.io/part-of missing");
    }
    assert_clean(errs, overlay_dirs[_i]);
}
END_TEST

/* ---- pods --------------------------------------------------------------------------------- */

static void check_pod(const json_t *dep, fo_field_errors *errs)
{
    const char *name = fo_json_get_str(dep, "metadata.name");
    const json_t *pod = fo_json_get(dep, "spec.template.spec");
    bool b;
    int64_t uid = -1;
    if (!fo_json_get_bool(pod, "securityContext.runAsNonRoot", &b) || !b)
        fo_field_errors_add(errs, FO_FE_REQUIRED, name, NULL, "pod runAsNonRoot: true");
    if (!fo_json_get_int(pod, "securityContext.runAsUser", &uid) || uid <= 0)
        fo_field_errors_add(errs, FO_FE_REQUIRED, name, NULL, "pod runAsUser: a non-zero uid");
    const char *seccomp = fo_json_get_str(pod, "securityContext.seccompProfile.type");
    if (!seccomp || strcmp(seccomp, "RuntimeDefault"))
        fo_field_errors_add(errs, FO_FE_REQUIRED, name, NULL, "seccompProfile RuntimeDefault");
    if (fo_json_get_bool(pod, "hostNetwork", &b) && b)
        fo_field_errors_add(errs, FO_FE_FORBIDDEN, name, NULL, "hostNetwork");
    size_t i;
    const json_t *c;
    json_array_foreach(json_object_get(pod, "containers"), i, c)
    {
        const json_t *sc = json_object_get(c, "securityContext");
        if (!fo_json_get_bool(sc, "allowPrivilegeEscalation", &b) || b)
            fo_field_errors_add(errs, FO_FE_REQUIRED, name, NULL,
                                "allowPrivilegeEscalation: false");
        if (!fo_json_get_bool(sc, "readOnlyRootFilesystem", &b) || !b)
            fo_field_errors_add(errs, FO_FE_REQUIRED, name, NULL, "readOnlyRootFilesystem: true");
        if (fo_json_get_bool(sc, "privileged", &b) && b)
            fo_field_errors_add(errs, FO_FE_FORBIDDEN, name, NULL, "privileged");
        const json_t *drop = fo_json_get(sc, "capabilities.drop");
        if (!has_string(drop, "ALL") || fo_json_get(sc, "capabilities.add"))
            fo_field_errors_add(errs, FO_FE_REQUIRED, name, NULL,
                                "capabilities: drop [ALL], add none");
        static const char *const res[] = {"resources.requests.cpu", "resources.requests.memory",
                                          "resources.limits.cpu", "resources.limits.memory"};
        for (int k = 0; k < 4; k++)
            if (!fo_json_get(c, res[k]))
                fo_field_errors_add(errs, FO_FE_REQUIRED, name, res[k], "resource missing");
        if (!fo_json_get(c, "livenessProbe.httpGet") || !fo_json_get(c, "readinessProbe.httpGet"))
            fo_field_errors_add(errs, FO_FE_REQUIRED, name, NULL, "liveness and readiness probes");
        const char *live = fo_json_get_str(c, "livenessProbe.httpGet.path");
        const char *ready = fo_json_get_str(c, "readinessProbe.httpGet.path");
        if (!live || strcmp(live, "/healthz") || !ready || strcmp(ready, "/readyz"))
            fo_field_errors_add(errs, FO_FE_INVALID, name, NULL, "probes use /healthz and /readyz");
        /* The probe port is one of the container's ports. */
        const char *port = fo_json_get_str(c, "livenessProbe.httpGet.port");
        bool found = false;
        size_t k;
        const json_t *p;
        json_array_foreach(json_object_get(c, "ports"), k, p) found =
            found || (port && !strcmp(fo_json_str(p, "name"), port));
        if (!found)
            fo_field_errors_add(errs, FO_FE_INVALID, name, port,
                                "probe port is not a named container port");
        const char *image = fo_json_str(c, "image");
        if (!image || !strstr(image, "flinkop"))
            fo_field_errors_add(errs, FO_FE_INVALID, name, image, "image");
    }
}

START_TEST(pods_are_restricted_non_root_read_only_with_limits_and_probes)
{
    fo_field_errors *errs = fo_field_errors_new();
    check_pod(must_find(rendered[_i], "Deployment", "flinkop-controller"), errs);
    check_pod(must_find(rendered[_i], "Deployment", "flinkop-webhook"), errs);
    /* The namespace enforces the restricted Pod Security Standard. */
    const json_t *ns = must_find(rendered[_i], "Namespace", NS);
    const char *level = json_string_value(
        json_object_get(fo_json_get(ns, "metadata.labels"), "pod-security.kubernetes.io/enforce"));
    ck_assert_str_eq(level ? level : "", "restricted");
    assert_clean(errs, overlay_dirs[_i]);
}
END_TEST

/* Memory requests stay small for C processes expected under ~20 MiB; limits leave headroom
 * (the webhook's for its measured worst flood, the controller's for thousands of clusters). */
START_TEST(memory_requests_and_limits_fit_a_small_c_process)
{
    const char *names[] = {"flinkop-controller", "flinkop-webhook"};
    for (int i = 0; i < 2; i++) {
        const json_t *c = container(must_find(rendered[BASE], "Deployment", names[i]));
        const char *req = fo_json_get_str(c, "resources.requests.memory");
        const char *lim = fo_json_get_str(c, "resources.limits.memory");
        ck_assert_ptr_nonnull(req);
        ck_assert_ptr_nonnull(lim);
        ck_assert_msg(strstr(req, "Mi") && atoi(req) >= 20 && atoi(req) <= 64, "%s", req);
        ck_assert_msg(strstr(lim, "Mi") && atoi(lim) >= 60 && atoi(lim) <= 256, "%s", lim);
    }
}
END_TEST

/* ---- processes ---------------------------------------------------------------------------- */

static bool mounted_under(const json_t *dep, const char *file, const char *volume_kind,
                          const char *source_name)
{
    const json_t *c = container(dep);
    size_t i, k;
    const json_t *m, *v;
    json_array_foreach(json_object_get(c, "volumeMounts"), i, m)
    {
        const char *path = fo_json_str(m, "mountPath");
        size_t n = path ? strlen(path) : 0;
        if (!path || strncmp(file, path, n) || file[n] != '/')
            continue;
        json_array_foreach(fo_json_get(dep, "spec.template.spec.volumes"), k, v)
        {
            if (strcmp(fo_json_str(v, "name"), fo_json_str(m, "name")))
                continue;
            const char *src = !strcmp(volume_kind, "configMap")
                                  ? fo_json_get_str(v, "configMap.name")
                                  : fo_json_get_str(v, "secret.secretName");
            return src && !strcmp(src, source_name);
        }
    }
    return false;
}

START_TEST(processes_get_the_flags_of_their_contract)
{
    const json_t *docs = rendered[BASE];
    const json_t *ctl = must_find(docs, "Deployment", "flinkop-controller");
    const json_t *c = container(ctl);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(c, "command"), 0)),
                     "/usr/local/bin/flinkop-controller");
    ck_assert_ptr_nonnull(arg(c, "--leader-elect"));
    ck_assert_str_eq(arg(c, "--lease-name"), "flinkop-controller");
    ck_assert_str_eq(arg(c, "--health-port"), "8085");
    ck_assert_int_eq(json_integer_value(fo_json_get(json_array_get(json_object_get(c, "ports"), 0),
                                                    "containerPort")),
                     8085);
    ck_assert_str_eq(arg(c, "--flink-rest-url"), "http://{name}-rest.{namespace}.svc:{port}");
    ck_assert_ptr_null(arg(c, "--namespaces")); /* all namespaces */
    ck_assert_msg(mounted_under(ctl, arg(c, "--defaults"), "configMap", "flinkop-cluster-defaults"),
                  "controller --defaults is not in the mounted ConfigMap");

    const json_t *wh = must_find(docs, "Deployment", "flinkop-webhook");
    c = container(wh);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(c, "command"), 0)),
                     "/usr/local/bin/flinkop-webhook");
    ck_assert_str_eq(arg(c, "--port"), "9443");
    ck_assert_int_eq(json_integer_value(fo_json_get(json_array_get(json_object_get(c, "ports"), 0),
                                                    "containerPort")),
                     9443);
    ck_assert_str_eq(fo_json_get_str(c, "livenessProbe.httpGet.scheme"), "HTTPS");
    ck_assert_msg(mounted_under(wh, arg(c, "--tls-cert"), "secret", "flinkop-webhook-tls"), "cert");
    ck_assert_msg(mounted_under(wh, arg(c, "--tls-key"), "secret", "flinkop-webhook-tls"), "key");
    ck_assert_msg(mounted_under(wh, arg(c, "--defaults"), "configMap", "flinkop-cluster-defaults"),
                  "webhook --defaults is not in the mounted ConfigMap");
    /* a stopping webhook pod answers while it leaves the endpoints, then finishes what is in
     * flight (up to 5 s): the grace period must hold both */
    ck_assert_ptr_nonnull(arg(c, "--shutdown-delay"));
    int delay = atoi(arg(c, "--shutdown-delay"));
    int64_t grace = 0;
    ck_assert(fo_json_get_int(wh, "spec.template.spec.terminationGracePeriodSeconds", &grace));
    ck_assert_int_ge(delay, 1);
    ck_assert_int_ge(grace, delay + 5 + 1);
}
END_TEST

/* The value kubelet gives $(NAME) in a container's args: the container's env entry NAME
 * (a fieldRef: a stand-in of its kind), or NULL when there is none (kubelet then leaves the
 * text as it is). */
static const char *container_env(const json_t *c, const char *name, size_t len)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(c, "env"), i, e)
    {
        const char *n = fo_json_get_str(e, "name");
        if (!n || strlen(n) != len || strncmp(n, name, len) != 0)
            continue;
        const char *v = fo_json_get_str(e, "value");
        return v ? v : json_object_get(e, "valueFrom") ? "from-the-downward-api" : "";
    }
    return NULL;
}

/* args[i] with $(NAME) expanded as kubelet expands it ($$ is a literal $). */
static char *expand(const json_t *c, const char *s)
{
    fo_strbuf out;
    fo_strbuf_init(&out, 0);
    while (*s) {
        const char *close = s[0] == '$' && s[1] == '(' ? strchr(s + 2, ')') : NULL;
        const char *v = close ? container_env(c, s + 2, (size_t)(close - s - 2)) : NULL;
        if (v) {
            fo_strbuf_append(&out, v, strlen(v));
            s = close + 1;
        } else {
            size_t n = s[0] == '$' && s[1] == '$' ? 2 : 1;
            fo_strbuf_append(&out, s, 1);
            s += n;
        }
    }
    return fo_strbuf_take(&out);
}

/* The container's command and args as the process's argv (expanded), and its FLINKOP_*
 * environment set in ours (unset again by unset_flinkop_env). */
static size_t container_argv(const json_t *c, char **argv, size_t max)
{
    size_t n = 0, i;
    json_t *a;
    argv[n++] = strdup(json_string_value(json_array_get(json_object_get(c, "command"), 0)));
    json_array_foreach(json_object_get(c, "args"), i, a)
    {
        ck_assert_uint_lt(n + 1, max);
        argv[n++] = expand(c, json_string_value(a));
    }
    argv[n] = NULL;
    json_t *e;
    json_array_foreach(json_object_get(c, "env"), i, e)
    {
        const char *name = fo_json_get_str(e, "name"), *v = fo_json_get_str(e, "value");
        if (name && !strncmp(name, "FLINKOP_", 8))
            setenv(name, v ? v : "from-the-downward-api", 1);
    }
    return n;
}

static void unset_flinkop_env(const json_t *c)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(c, "env"), i, e)
    {
        const char *name = fo_json_get_str(e, "name");
        if (name && !strncmp(name, "FLINKOP_", 8))
            unsetenv(name);
    }
}

/* Each process reads the arguments its Deployment gives it with its own flag parser: a flag
 * the parser reads differently (a bare --leader-elect that took the next flag as its value)
 * stopped the controller at every start on a real cluster. */
START_TEST(processes_accept_the_arguments_their_deployments_give_them)
{
    const json_t *docs = rendered[_i];
    char *argv[64];
    fo_err err;

    const json_t *c = container(must_find(docs, "Deployment", "flinkop-controller"));
    size_t argc = container_argv(c, argv, 64);
    fo_ctl_config cc;
    bool help = true;
    fo_err_clear(&err);
    fo_rc rc = fo_ctl_config_parse((int)argc, argv, &cc, &help, &err);
    unset_flinkop_env(c);
    ck_assert_msg(rc == FO_OK, "%s: controller: %s", overlay_dirs[_i], err.message);
    ck_assert(!help);
    ck_assert_msg(cc.leader_elect, "two controller replicas need leader election");
    ck_assert_str_eq(cc.lease_name, "flinkop-controller");
    fo_ctl_config_release(&cc);
    for (size_t i = 0; i < argc; i++)
        free(argv[i]);

    c = container(must_find(docs, "Deployment", "flinkop-webhook"));
    argc = container_argv(c, argv, 64);
    fo_wh_config wc;
    fo_err_clear(&err);
    rc = fo_wh_config_parse((int)argc, argv, &wc, &help, &err);
    unset_flinkop_env(c);
    ck_assert_msg(rc == FO_OK, "%s: webhook: %s", overlay_dirs[_i], err.message);
    ck_assert(!help);
    ck_assert_msg(!wc.plain_http, "the API server calls webhooks over HTTPS only");
    ck_assert_int_eq(wc.port, 9443);
    for (size_t i = 0; i < argc; i++)
        free(argv[i]);
}
END_TEST

START_TEST(cluster_defaults_file_parses_as_cluster_defaults)
{
    const json_t *cm = must_find(rendered[BASE], "ConfigMap", "flinkop-cluster-defaults");
    const char *text = fo_json_str(json_object_get(cm, "data"), "cluster-defaults.yaml");
    ck_assert_ptr_nonnull(text);
    fo_err err;
    fo_cluster_defaults *cd = fo_cluster_defaults_parse(text, strlen(text), &err);
    ck_assert_msg(cd != NULL, "%s", err.message);
    fo_cluster_defaults_unref(cd);
}
END_TEST

START_TEST(webhook_survives_a_node_drain)
{
    const json_t *docs = rendered[BASE];
    const json_t *wh = must_find(docs, "Deployment", "flinkop-webhook");
    int64_t replicas = 0, max_unavailable = -1, pdb_unavailable = 0;
    ck_assert(fo_json_get_int(wh, "spec.replicas", &replicas));
    ck_assert_int_ge(replicas, 2);
    ck_assert(fo_json_get_int(wh, "spec.strategy.rollingUpdate.maxUnavailable", &max_unavailable));
    ck_assert_int_eq(max_unavailable, 0);
    const json_t *pdb = must_find(docs, "PodDisruptionBudget", "flinkop-webhook");
    /* one at a time, and never a budget that blocks drains (minAvailable with one replica) */
    ck_assert_ptr_null(fo_json_get(pdb, "spec.minAvailable"));
    ck_assert(fo_json_get_int(pdb, "spec.maxUnavailable", &pdb_unavailable));
    ck_assert_int_eq(pdb_unavailable, 1);
    ck_assert(json_equal(fo_json_get(pdb, "spec.selector.matchLabels"),
                         fo_json_get(wh, "spec.selector.matchLabels")));
    ck_assert_ptr_nonnull(fo_json_get(wh, "spec.template.spec.topologySpreadConstraints"));
}
END_TEST

/* Every Service selects the pods of a Deployment and targets one of their named ports. */
START_TEST(services_reach_their_pods)
{
    size_t i, k;
    json_t *svc;
    size_t services = 0;
    json_array_foreach(rendered[BASE], i, svc)
    {
        if (strcmp(fo_json_str(svc, "kind"), "Service"))
            continue;
        services++;
        const json_t *sel = fo_json_get(svc, "spec.selector");
        const json_t *dep = NULL, *d;
        json_array_foreach(rendered[BASE], k,
                           d) if (!strcmp(fo_json_str(d, "kind"), "Deployment") &&
                                  json_equal(sel, fo_json_get(d, "spec.selector.matchLabels")))
            dep = d;
        ck_assert_msg(dep != NULL, "Service %s selects no Deployment",
                      fo_json_get_str(svc, "metadata.name"));
        const char *target =
            fo_json_get_str(json_array_get(fo_json_get(svc, "spec.ports"), 0), "targetPort");
        bool found = false;
        const json_t *p;
        json_array_foreach(json_object_get(container(dep), "ports"), k, p) found =
            found || (target && !strcmp(fo_json_str(p, "name"), target));
        ck_assert_msg(found, "Service %s targets port %s", fo_json_get_str(svc, "metadata.name"),
                      target ? target : "(number)");
    }
    ck_assert_uint_eq(services, 2);
}
END_TEST

/* ---- admission ---------------------------------------------------------------------------- */

static void check_webhooks(const json_t *docs, const char *kind, const char *path, bool watched,
                           fo_field_errors *errs)
{
    const json_t *cfg = must_find(docs, kind, "flinkop");
    const json_t *hooks = json_object_get(cfg, "webhooks");
    ck_assert_uint_eq(json_array_size(hooks), 1);
    const json_t *h = json_array_get(hooks, 0);
    const char *p = fo_json_get_str(h, "clientConfig.service.path");
    if (!p || strcmp(p, path))
        fo_field_errors_add(errs, FO_FE_INVALID, kind, p, "path must be %s", path);
    const char *svc = fo_json_get_str(h, "clientConfig.service.name");
    const char *svc_ns = fo_json_get_str(h, "clientConfig.service.namespace");
    if (!svc || !find(docs, "Service", svc) || !svc_ns || strcmp(svc_ns, NS))
        fo_field_errors_add(errs, FO_FE_NOT_FOUND, kind, svc, "service must exist in " NS);
    int64_t port = 0, timeout = 0;
    fo_json_get_int(h, "clientConfig.service.port", &port);
    if (port != 443)
        fo_field_errors_add(errs, FO_FE_INVALID, kind, NULL, "service port 443");
    const char *side = fo_json_str(h, "sideEffects"), *fail = fo_json_str(h, "failurePolicy");
    if (!side || strcmp(side, "None"))
        fo_field_errors_add(errs, FO_FE_INVALID, kind, side, "sideEffects None");
    if (!fail || strcmp(fail, "Fail"))
        fo_field_errors_add(errs, FO_FE_INVALID, kind, fail, "failurePolicy Fail");
    const json_t *arv = json_object_get(h, "admissionReviewVersions");
    if (json_array_size(arv) != 1 || !has_string(arv, "v1"))
        fo_field_errors_add(errs, FO_FE_INVALID, kind, NULL, "admissionReviewVersions [v1]");
    if (!fo_json_get_int(h, "timeoutSeconds", &timeout) || timeout < 1 || timeout > 10)
        fo_field_errors_add(errs, FO_FE_INVALID, kind, NULL, "timeoutSeconds between 1 and 10");
    const json_t *rules = json_object_get(h, "rules");
    const json_t *r = json_array_get(rules, 0);
    if (json_array_size(rules) != 1 || json_array_size(json_object_get(r, "operations")) != 2 ||
        !has_string(json_object_get(r, "operations"), "CREATE") ||
        !has_string(json_object_get(r, "operations"), "UPDATE") ||
        json_array_size(json_object_get(r, "resources")) != 2 ||
        !has_string(json_object_get(r, "resources"), "flinkdeployments") ||
        !has_string(json_object_get(r, "resources"), "flinksessionjobs") ||
        !has_string(json_object_get(r, "apiGroups"), "flink.apache.org"))
        fo_field_errors_add(errs, FO_FE_INVALID, kind, NULL,
                            "one rule: CREATE/UPDATE of flinkdeployments and flinksessionjobs");
    /* Equivalent (v1's default): a request for another version of the CRDs, once there is
     * one, is converted to v1beta1 and still sent; Exact would let it pass unchecked. */
    const char *match = fo_json_str(h, "matchPolicy");
    if (match && strcmp(match, "Equivalent"))
        fo_field_errors_add(errs, FO_FE_INVALID, kind, match, "matchPolicy Equivalent");
    /* The operator's own namespace is never sent to the webhook. */
    const json_t *expr = json_array_get(fo_json_get(h, "namespaceSelector.matchExpressions"), 0);
    const char *key = fo_json_str(expr, "key"), *op = fo_json_str(expr, "operator");
    const json_t *values = json_object_get(expr, "values");
    bool ok =
        key && !strcmp(key, "kubernetes.io/metadata.name") && op &&
        (watched ? !strcmp(op, "In") && !has_string(values, NS) &&
                       has_string(values, "flink-team-a") && has_string(values, "flink-team-b")
                 : !strcmp(op, "NotIn") && has_string(values, NS));
    if (!ok)
        fo_field_errors_add(errs, FO_FE_INVALID, kind, NULL,
                            "namespaceSelector must leave out " NS);
    /* Nor a canary: the controller changes each one every canary timeout, and a webhook down
     * must not fail the controller's /healthz (the webhook leaves canaries alone). */
    expr = json_array_get(fo_json_get(h, "objectSelector.matchExpressions"), 0);
    key = fo_json_str(expr, "key");
    op = fo_json_str(expr, "operator");
    values = json_object_get(expr, "values");
    if (!key || strcmp(key, "flink.apache.org/canary") || !op || strcmp(op, "NotIn") ||
        !has_string(values, "true") || !has_string(values, "True"))
        fo_field_errors_add(errs, FO_FE_INVALID, kind, NULL,
                            "objectSelector must leave out canaries (flink.apache.org/canary)");
}

START_TEST(webhooks_fail_closed_but_skip_the_operator_namespace_and_canaries)
{
    fo_field_errors *errs = fo_field_errors_new();
    check_webhooks(rendered[_i], "MutatingWebhookConfiguration", "/mutate", _i == WATCH_NAMESPACES,
                   errs);
    check_webhooks(rendered[_i], "ValidatingWebhookConfiguration", "/validate",
                   _i == WATCH_NAMESPACES, errs);
    assert_clean(errs, overlay_dirs[_i]);
}
END_TEST

/* The component (Kubernetes 1.28+) spares the webhooks the updates that take finalizers off an
 * object being deleted; without it no overlay has match conditions (1.25 has none). */
START_TEST(the_finalizers_component_adds_match_conditions_and_only_it)
{
    static const char *const kinds[2] = {"MutatingWebhookConfiguration",
                                         "ValidatingWebhookConfiguration"};
    for (int o = 0; o < OVERLAYS; o++) {
        for (int k = 0; k < 2; k++) {
            const json_t *h = json_array_get(
                json_object_get(must_find(rendered[o], kinds[k], "flinkop"), "webhooks"), 0);
            const json_t *conds = json_object_get(h, "matchConditions");
            if (o != FINALIZERS) {
                ck_assert_msg(!conds, "%s: %s has matchConditions", overlay_dirs[o], kinds[k]);
                continue;
            }
            ck_assert_uint_eq(json_array_size(conds), 1);
            const char *e = fo_json_str(json_array_get(conds, 0), "expression");
            ck_assert_ptr_nonnull(e);
            ck_assert_ptr_nonnull(strstr(e, "request.operation == 'UPDATE'"));
            ck_assert_ptr_nonnull(strstr(e, "has(oldObject.metadata.deletionTimestamp)"));
            /* validation is skipped only while the spec stays as it was */
            ck_assert(!strstr(e, "object.metadata.generation == oldObject.metadata.generation") ==
                      (k == 0));
        }
    }
}
END_TEST

/* ---- RBAC --------------------------------------------------------------------------------- */

/* Expected rules, as "group resource verb" lines: what each process needs and nothing else. */
static const char *const controller_grants[] = {
    "flink.apache.org flinkdeployments get,list,watch,patch",
    "flink.apache.org flinksessionjobs get,list,watch,patch",
    "flink.apache.org flinkdeployments/status get,patch",
    "flink.apache.org flinksessionjobs/status get,patch",
    "flink.apache.org flinkdeployments/finalizers update",
    "flink.apache.org flinksessionjobs/finalizers update",
    " configmaps get,list,watch,create,patch,delete",
    " services get,list,watch,create,patch,delete",
    "apps deployments get,list,watch,create,patch,delete",
    "networking.k8s.io ingresses get,list,watch,create,patch,delete",
    " pods get,list,watch",
    " events get,list,create,patch",
    NULL};
static const char *const webhook_grants[] = {"flink.apache.org flinkdeployments get,list,watch",
                                             NULL};

/* Flatten a role's rules into sorted "group resource verbs" lines. */
static json_t *grants_of(const json_t *role)
{
    json_t *out = json_array();
    size_t i, g, r;
    const json_t *rule, *group, *res;
    json_array_foreach(json_object_get(role, "rules"), i, rule)
    {
        char verbs[256] = "";
        size_t v;
        const json_t *verb;
        json_array_foreach(json_object_get(rule, "verbs"), v, verb)
        {
            strncat(verbs, v ? "," : "", sizeof verbs - strlen(verbs) - 1);
            strncat(verbs, json_string_value(verb), sizeof verbs - strlen(verbs) - 1);
        }
        json_array_foreach(json_object_get(rule, "apiGroups"), g, group)
        {
            json_array_foreach(json_object_get(rule, "resources"), r, res)
            {
                char line[512];
                snprintf(line, sizeof line, "%s %s %s", json_string_value(group),
                         json_string_value(res), verbs);
                json_array_append_new(out, json_string(line));
            }
        }
    }
    return out;
}

static void assert_grants(const json_t *role, const char *const *want)
{
    json_t *got = grants_of(role);
    size_t n = 0;
    for (; want[n]; n++)
        ck_assert_msg(has_string(got, want[n]), "%s lacks \"%s\"",
                      fo_json_get_str(role, "metadata.name"), want[n]);
    char *dump = json_dumps(got, 0);
    ck_assert_msg(json_array_size(got) == n, "%s grants more than needed: %s",
                  fo_json_get_str(role, "metadata.name"), dump);
    free(dump);
    json_decref(got);
}

START_TEST(rbac_grants_each_process_only_what_it_needs)
{
    const json_t *docs = rendered[_i];
    assert_grants(must_find(docs, "ClusterRole", "flinkop-controller"), controller_grants);
    assert_grants(must_find(docs, "ClusterRole", "flinkop-webhook"), webhook_grants);
    /* Leases only in the operator's namespace, and only the named one once it exists. */
    const json_t *le = must_find(docs, "Role", "flinkop-leader-election");
    ck_assert_str_eq(fo_json_get_str(le, "metadata.namespace"), NS);
    json_t *got = grants_of(le);
    ck_assert(has_string(got, "coordination.k8s.io leases create"));
    ck_assert(has_string(got, "coordination.k8s.io leases get,update,patch"));
    ck_assert_uint_eq(json_array_size(got), 2);
    json_decref(got);
    ck_assert(has_string(
        json_object_get(json_array_get(json_object_get(le, "rules"), 1), "resourceNames"),
        "flinkop-controller"));
    /* No wildcard, no Secrets, anywhere; every binding names an existing role and account. */
    size_t i;
    json_t *obj;
    json_array_foreach(docs, i, obj)
    {
        const char *kind = fo_json_str(obj, "kind");
        if (!strcmp(kind, "ClusterRole") || !strcmp(kind, "Role")) {
            char *text = json_dumps(json_object_get(obj, "rules"), 0);
            ck_assert_msg(!strstr(text, "\"*\"") && !strstr(text, "secrets"), "%s %s: %s", kind,
                          fo_json_get_str(obj, "metadata.name"), text);
            free(text);
        }
        if (!strcmp(kind, "ClusterRoleBinding") || !strcmp(kind, "RoleBinding")) {
            const char *rk = fo_json_get_str(obj, "roleRef.kind");
            const char *rn = fo_json_get_str(obj, "roleRef.name");
            ck_assert_msg(find(docs, rk, rn) != NULL, "binding %s refers to missing %s %s",
                          fo_json_get_str(obj, "metadata.name"), rk, rn);
            size_t k;
            const json_t *s;
            json_array_foreach(json_object_get(obj, "subjects"), k, s)
            {
                bool sa = false;
                size_t j;
                const json_t *o;
                json_array_foreach(docs, j, o) sa =
                    sa || (!strcmp(fo_json_str(o, "kind"), "ServiceAccount") &&
                           !strcmp(fo_json_get_str(o, "metadata.name"), fo_json_str(s, "name")) &&
                           !strcmp(fo_json_get_str(o, "metadata.namespace"),
                                   fo_json_str(s, "namespace")));
                ck_assert_msg(sa, "binding %s names a missing service account %s",
                              fo_json_get_str(obj, "metadata.name"), fo_json_str(s, "name"));
            }
        }
    }
}
END_TEST

START_TEST(watch_namespaces_overlay_binds_the_controller_only_where_it_watches)
{
    const json_t *docs = rendered[WATCH_NAMESPACES];
    const char *nss[] = {"flink-team-a", "flink-team-b"};
    /* the controller and the webhook's session-job checks watch those namespaces, each
     * with its ClusterRole bound there and nowhere else */
    const char *processes[] = {"flinkop-controller", "flinkop-webhook"};
    for (int p = 0; p < 2; p++) {
        const json_t *c = container(must_find(docs, "Deployment", processes[p]));
        ck_assert_str_eq(arg(c, "--namespaces"), "flink-team-a,flink-team-b");
        ck_assert_ptr_null(find(docs, "ClusterRoleBinding", processes[p]));
        size_t bound = 0, i;
        json_t *obj;
        json_array_foreach(docs, i, obj)
        {
            if (strcmp(fo_json_str(obj, "kind"), "RoleBinding") ||
                strcmp(fo_json_get_str(obj, "roleRef.name"), processes[p]))
                continue;
            const char *ns = fo_json_get_str(obj, "metadata.namespace");
            ck_assert(!strcmp(ns, nss[0]) || !strcmp(ns, nss[1]));
            ck_assert_str_eq(fo_json_get_str(obj, "roleRef.kind"), "ClusterRole");
            if (p == 0) {
                /* the FailedMount Events of a JobManager pod are listed in its namespace, and
                 * its own Events read back there to count a repeat */
                json_t *got = grants_of(must_find(docs, "ClusterRole", processes[p]));
                ck_assert_msg(has_string(got, " events get,list,create,patch"),
                              "the controller cannot read or list Events in %s", ns);
                json_decref(got);
            }
            const json_t *subject = json_array_get(json_object_get(obj, "subjects"), 0);
            ck_assert_str_eq(fo_json_str(subject, "name"), processes[p]);
            bound++;
        }
        ck_assert_uint_eq(bound, 2);
    }
    /* Flink's own service account in each watched namespace. */
    for (int k = 0; k < 2; k++) {
        const json_t *sa = NULL, *o;
        size_t j;
        json_array_foreach(docs, j,
                           o) if (!strcmp(fo_json_str(o, "kind"), "ServiceAccount") &&
                                  !strcmp(fo_json_get_str(o, "metadata.name"), "flink") &&
                                  !strcmp(fo_json_get_str(o, "metadata.namespace"), nss[k])) sa = o;
        ck_assert_msg(sa != NULL, "no flink service account in %s", nss[k]);
    }
}
END_TEST

/* ---- certificates ------------------------------------------------------------------------- */

START_TEST(cert_manager_overlay_issues_the_serving_certificate_and_injects_the_ca)
{
    const json_t *docs = rendered[CERT_MANAGER];
    const json_t *cert = must_find(docs, "Certificate", "flinkop-webhook");
    ck_assert_str_eq(fo_json_get_str(cert, "spec.secretName"), "flinkop-webhook-tls");
    const json_t *dns = fo_json_get(cert, "spec.dnsNames");
    ck_assert(has_string(dns, "flinkop-webhook." NS ".svc"));
    ck_assert(has_string(dns, "flinkop-webhook." NS ".svc.cluster.local"));
    /* The chain resolves: serving cert <- CA issuer <- CA certificate <- self-signed issuer. */
    const json_t *ca_issuer =
        must_find(docs, "Issuer", fo_json_get_str(cert, "spec.issuerRef.name"));
    const json_t *ca_cert = must_find(docs, "Certificate", "flinkop-ca");
    ck_assert_str_eq(fo_json_get_str(ca_issuer, "spec.ca.secretName"),
                     fo_json_get_str(ca_cert, "spec.secretName"));
    bool is_ca = false;
    ck_assert(fo_json_get_bool(ca_cert, "spec.isCA", &is_ca) && is_ca);
    ck_assert_ptr_nonnull(
        fo_json_get(must_find(docs, "Issuer", fo_json_get_str(ca_cert, "spec.issuerRef.name")),
                    "spec.selfSigned"));
    const char *kinds[] = {"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"};
    for (int i = 0; i < 2; i++) {
        const json_t *cfg = must_find(docs, kinds[i], "flinkop");
        const char *inject = json_string_value(json_object_get(
            fo_json_get(cfg, "metadata.annotations"), "cert-manager.io/inject-ca-from"));
        ck_assert_str_eq(inject ? inject : "", NS "/flinkop-webhook");
    }
}
END_TEST

static char *read_tmp(const char *rel)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/manifests/overlays/self-signed/certs/%s", tmp_tree, rel);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s missing", path);
    char *buf = calloc(1, 65536);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static char *base64_of(const char *rel)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "base64 -w0 '%s/manifests/overlays/self-signed/certs/%s'", tmp_tree,
             rel);
    int status;
    char *out = run_capture(cmd, &status);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return out;
}

START_TEST(self_signed_overlay_carries_the_generated_secret_and_ca_bundle)
{
    const json_t *docs = rendered[SELF_SIGNED];
    const json_t *secret = must_find(docs, "Secret", "flinkop-webhook-tls");
    ck_assert_str_eq(fo_json_str(secret, "type"), "kubernetes.io/tls");
    char *crt = base64_of("tls.crt"), *key = base64_of("tls.key"),
         *bundle = base64_of("ca-bundle.crt");
    const json_t *data = json_object_get(secret, "data");
    ck_assert_str_eq(fo_json_str(data, "tls.crt"), crt);
    ck_assert_str_eq(fo_json_str(data, "tls.key"), key);
    ck_assert_str_eq(fo_json_str(data, "ca.crt"), bundle);
    const char *kinds[] = {"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"};
    for (int i = 0; i < 2; i++) {
        const json_t *h =
            json_array_get(fo_json_get(must_find(docs, kinds[i], "flinkop"), "webhooks"), 0);
        ck_assert_str_eq(fo_json_get_str(h, "clientConfig.caBundle"), bundle);
        /* The patch touched only caBundle: the service reference is intact. */
        ck_assert_str_eq(fo_json_get_str(h, "clientConfig.service.name"), "flinkop-webhook");
    }
    /* The key never leaves the certs directory unprotected. */
    char *pem = read_tmp("tls.key");
    ck_assert_ptr_nonnull(strstr(pem, "PRIVATE KEY"));
    free(pem);
    free(crt);
    free(key);
    free(bundle);
}
END_TEST

/* ---- the checker on built-in kinds -------------------------------------------------------- */

/* manifests/flink-namespace: the `flink` account the examples run with, for one namespace,
 * with the same Role as the namespaces of overlays/watch-namespaces get. (The base overlay
 * alone created none: the examples' JobManager pods could not be created.) */
START_TEST(flink_namespace_gives_the_examples_their_service_account)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/manifests/flink-namespace", src_dir());
    json_t *docs = render(path);
    fo_field_errors *errs = fo_field_errors_new();
    size_t i;
    json_t *obj;
    json_array_foreach(docs, i, obj)
    {
        fo_kubecheck_object(schemas, obj, NULL, errs);
        ck_assert_str_eq(fo_json_get_str(obj, "metadata.namespace"), "default");
    }
    assert_clean(errs, "manifests/flink-namespace");
    ck_assert_ptr_nonnull(must_find(docs, "ServiceAccount", "flink"));
    const json_t *binding = must_find(docs, "RoleBinding", "flink");
    const json_t *subject = json_array_get(json_object_get(binding, "subjects"), 0);
    ck_assert_str_eq(fo_json_str(subject, "name"), "flink");
    ck_assert_str_eq(fo_json_str(subject, "namespace"), "default");
    ck_assert_str_eq(fo_json_get_str(binding, "roleRef.name"), "flink");
    /* one Role for Flink's pods, wherever it is installed */
    const json_t *role = must_find(docs, "Role", "flink");
    size_t k;
    json_t *watched;
    int compared = 0;
    json_array_foreach(rendered[WATCH_NAMESPACES], k, watched)
    {
        const char *kind = fo_json_str(watched, "kind");
        if (kind && !strcmp(kind, "Role") &&
            !strcmp(fo_json_get_str(watched, "metadata.name"), "flink")) {
            ck_assert(fo_json_equal(json_object_get(watched, "rules"),
                                    json_object_get(role, "rules")));
            compared++;
        }
    }
    ck_assert_int_ge(compared, 2);
    /* the account the examples name */
    snprintf(path, sizeof path, "%s/examples/basic.yaml", src_dir());
    fo_strbuf example;
    fo_strbuf_init(&example, 0);
    fo_err err;
    ck_assert_int_eq(fo_strbuf_read_file(&example, path, &err), FO_OK);
    ck_assert_ptr_nonnull(strstr(example.data, "serviceAccount: flink\n"));
    fo_strbuf_release(&example);
    json_decref(docs);
}
END_TEST

START_TEST(checker_reports_what_kubectl_would_refuse_in_builtin_objects)
{
    char *path = fo_test_data_path("manifest-invalid-deployment.yaml");
    fo_err err;
    json_t *docs = fo_kubecheck_load_yaml_file(path, &err);
    ck_assert_msg(docs != NULL, "%s", err.message);
    fo_field_errors *errs = fo_field_errors_new();
    fo_kubecheck_object(schemas, json_array_get(docs, 0), NULL, errs);
    char *all = fo_field_errors_join(errs, "\n");
    static const char *const expected[] = {
        "spec.selector: Required value",
        "spec.replicas: Invalid value: \"two\": must be of type integer",
        "spec.template.spec.containers[0].imagePullPolcy: Not found: unknown field",
        "spec.template.spec.containers[0].ports[1]: Duplicate value",
        "spec.template.spec.containers[1].name: Required value",
        "metadata.name: Invalid value: \"Bad_Name\"",
        "spec.template.spec.containers[0].resources.limits[memory]: Invalid value: true",
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        ck_assert_msg(strstr(all, expected[i]) != NULL, "missing \"%s\" in:\n%s", expected[i], all);
    ck_assert_uint_eq(fo_field_errors_count(errs), sizeof expected / sizeof expected[0]);
    free(all);
    fo_field_errors_free(errs);
    json_decref(docs);
    free(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("manifests");
    TCase *tc = tcase_create("rendered");
    tcase_set_timeout(tc, 600);
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, every_rendered_object_passes_the_schema_of_its_kind, 0, OVERLAYS);
    tcase_add_loop_test(tc, namespaced_objects_land_in_the_operator_namespace, 0, OVERLAYS);
    tcase_add_loop_test(tc, pods_are_restricted_non_root_read_only_with_limits_and_probes, 0,
                        OVERLAYS);
    tcase_add_test(tc, memory_requests_and_limits_fit_a_small_c_process);
    tcase_add_test(tc, processes_get_the_flags_of_their_contract);
    tcase_add_loop_test(tc, processes_accept_the_arguments_their_deployments_give_them, 0,
                        OVERLAYS);
    tcase_add_test(tc, cluster_defaults_file_parses_as_cluster_defaults);
    tcase_add_test(tc, webhook_survives_a_node_drain);
    tcase_add_test(tc, services_reach_their_pods);
    tcase_add_loop_test(tc, webhooks_fail_closed_but_skip_the_operator_namespace_and_canaries, 0,
                        OVERLAYS);
    tcase_add_loop_test(tc, rbac_grants_each_process_only_what_it_needs, 0, OVERLAYS);
    tcase_add_test(tc, the_finalizers_component_adds_match_conditions_and_only_it);
    tcase_add_test(tc, watch_namespaces_overlay_binds_the_controller_only_where_it_watches);
    tcase_add_test(tc, cert_manager_overlay_issues_the_serving_certificate_and_injects_the_ca);
    tcase_add_test(tc, self_signed_overlay_carries_the_generated_secret_and_ca_bundle);
    tcase_add_test(tc, checker_reports_what_kubectl_would_refuse_in_builtin_objects);
    tcase_add_test(tc, flink_namespace_gives_the_examples_their_service_account);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
