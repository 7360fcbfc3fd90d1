/* rvps.c - the reference value store: backends (directory, V24 LocalJson
 * file, memory), lookup with expiry, and registration through the sample
 * extractor (rvps.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/codec.h"
#include "base/log.h"
#include "rvps/rvps.h"
#include "store/store.h"

enum rvps_backend { RVPS_DIR, RVPS_JSON_FILE, RVPS_MEMORY };

struct rvps {
    enum rvps_backend kind;
    struct kv_store *kv; /* RVPS_DIR */
    char *path;          /* RVPS_JSON_FILE */
    char *dir;           /* its parent directory */
    pthread_mutex_t lock; /* serialises writers of the JSON file and memory */
    struct arena mem;    /* RVPS_MEMORY: records live here */
    struct value *records; /* RVPS_MEMORY: object name -> record */
};

static int rvps_alloc(enum rvps_backend kind, struct rvps **out, struct as_error *err)
{
    struct rvps *r = calloc(1, sizeof(*r));
    if (!r)
        return as_err(err, 500, ERR_INTERNAL, "out of memory opening the RVPS");
    r->kind = kind;
    pthread_mutex_init(&r->lock, NULL);
    arena_init(&r->mem, 4096);
    *out = r;
    return 0;
}

int rvps_open_dir(const char *dir, struct rvps **out, struct as_error *err)
{
    struct as_error mk;
    if (store_mkdir_p(dir, &mk) < 0)
        LOG_W("rvps", "%s (the reference value store stays empty until it exists)", mk.detail);
    TRY(rvps_alloc(RVPS_DIR, out, err));
    if (kv_dir_open(dir, ".json", RVPS_MAX_FILE, &(*out)->kv, err) < 0) {
        rvps_free(*out);
        return -1;
    }
    return 0;
}

int rvps_open_json_file(const char *path, struct rvps **out, struct as_error *err)
{
    TRY(rvps_alloc(RVPS_JSON_FILE, out, err));
    struct rvps *r = *out;
    r->path = strdup(path);
    r->dir = strdup(path);
    if (!r->path || !r->dir) {
        rvps_free(r);
        return as_err(err, 500, ERR_INTERNAL, "out of memory opening the RVPS");
    }
    char *slash = strrchr(r->dir, '/');
    if (slash && slash != r->dir)
        *slash = '\0';
    else
        strcpy(r->dir, slash ? "/" : ".");
    struct as_error mk;
    if (store_mkdir_p(r->dir, &mk) < 0)
        LOG_W("rvps", "%s", mk.detail);
    return 0;
}

int rvps_open_memory(struct rvps **out, struct as_error *err)
{
    TRY(rvps_alloc(RVPS_MEMORY, out, err));
    (*out)->records = v_object(&(*out)->mem, NULL, 0, DUP_LAST_WINS, NULL);
    return 0;
}

void rvps_free(struct rvps *r)
{
    if (!r)
        return;
    kv_free(r->kv);
    free(r->path);
    free(r->dir);
    arena_free(&r->mem);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

/* The LocalJson file as an array of records ([] when absent). */
static int json_file_read(struct rvps *r, struct arena *a, struct value **arr,
                          struct as_error *err)
{
    char *text;
    size_t len;
    int rc = store_read_file(r->path, RVPS_MAX_FILE, a, &text, &len, err);
    TRY(rc);
    if (rc == 1) {
        *arr = v_array(a, NULL, 0);
        return 0;
    }
    if (json_parse(a, text, len, NULL, arr, err) < 0 || !v_is(*arr, V_ARRAY))
        return as_err(err, 500, ERR_INTERNAL, "reference value file %s is not a JSON array",
                      r->path);
    return 0;
}

/* One record by name from the backend; *rec = NULL when absent. */
static int get_record(struct rvps *r, const struct value *file_records, const char *name,
                      struct arena *a, const struct value **rec, struct as_error *err)
{
    *rec = NULL;
    if (r->kind == RVPS_MEMORY) {
        *rec = value_object_get_str(r->records, name);
        return 0;
    }
    if (r->kind == RVPS_JSON_FILE) {
        for (size_t i = 0; i < file_records->u.arr.len; i++) {
            const char *n = rvps_record_name(file_records->u.arr.items[i]);
            if (n && strcmp(n, name) == 0)
                *rec = file_records->u.arr.items[i]; /* the last one wins */
        }
        return 0;
    }
    char *text;
    size_t len;
    int rc = kv_get(r->kv, name, a, &text, &len, err);
    TRY(rc);
    if (rc == 1)
        return 0;
    struct value *v;
    if (json_parse(a, text, len, NULL, &v, err) < 0)
        return as_err(err, 500, ERR_INTERNAL, "reference value record '%s' is not JSON", name);
    *rec = v;
    return 0;
}

int rvps_lookup(struct rvps *r, const char *const *keys, size_t n, time_t now, struct arena *a,
                struct value **out, struct as_error *err)
{
    struct value *file_records = NULL;
    if (r->kind == RVPS_JSON_FILE)
        TRY(json_file_read(r, a, &file_records, err));
    pthread_mutex_lock(&r->lock); /* memory records may be replaced meanwhile */
    struct pair_list l = {0};
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const struct value *rec;
        struct value *values = NULL;
        rc = get_record(r, file_records, keys[i], a, &rec, err);
        if (rc == 0 && rec)
            rc = rvps_record_values(rec, now, a, &values, err);
        if (rc == 0 && !values)
            values = v_array(a, NULL, 0);
        if (rc == 0 && (!values || pair_list_push_str(a, &l, keys[i], values) < 0))
            rc = as_err(err, 500, ERR_INTERNAL, "out of memory");
    }
    if (rc == 0 && r->kind == RVPS_MEMORY)
        *out = value_copy(a, v_object(a, l.pairs, l.len, DUP_LAST_WINS, NULL));
    else if (rc == 0)
        *out = v_object(a, l.pairs, l.len, DUP_LAST_WINS, NULL);
    pthread_mutex_unlock(&r->lock);
    TRY(rc);
    return *out ? 0 : as_err(err, 500, ERR_INTERNAL, "out of memory");
}

int rvps_query(struct rvps *r, const char *name, time_t now, struct arena *a, struct value **out,
               struct as_error *err)
{
    struct value *file_records = NULL;
    *out = NULL;
    if (r->kind == RVPS_JSON_FILE)
        TRY(json_file_read(r, a, &file_records, err));
    pthread_mutex_lock(&r->lock); /* memory records may be replaced meanwhile */
    const struct value *rec;
    struct value *v = NULL;
    int rc = get_record(r, file_records, name, a, &rec, err);
    if (rc == 0 && rec)
        rc = rvps_record_value(rec, now, a, &v, err);
    if (rc == 0 && v && r->kind == RVPS_MEMORY && !(v = value_copy(a, v)))
        rc = as_err(err, 500, ERR_INTERNAL, "out of memory");
    pthread_mutex_unlock(&r->lock);
    TRY(rc);
    *out = v;
    return 0;
}

static int put_memory(struct rvps *r, const char *name, const struct value *record,
                      struct as_error *err)
{
    struct value *copy = value_copy(&r->mem, record);
    struct pair_list l = {0};
    for (size_t i = 0; i < r->records->u.obj.len; i++)
        pair_list_push(&r->mem, &l, r->records->u.obj.pairs[i].key, r->records->u.obj.pairs[i].val);
    if (!copy || pair_list_push_str(&r->mem, &l, name, copy) < 0)
        return as_err(err, 500, ERR_INTERNAL, "out of memory");
    struct value *next = v_object(&r->mem, l.pairs, l.len, DUP_LAST_WINS, NULL);
    if (!next)
        return as_err(err, 500, ERR_INTERNAL, "out of memory");
    r->records = next;
    return 0;
}

static int put_json_file(struct rvps *r, const char *name, const struct value *record,
                         struct as_error *err)
{
    struct arena a;
    arena_init(&a, 4096);
    struct value *arr;
    int rc = json_file_read(r, &a, &arr, err);
    struct value_list l = {0};
    for (size_t i = 0; rc == 0 && i < arr->u.arr.len; i++) {
        const char *n = rvps_record_name(arr->u.arr.items[i]);
        if (!n || strcmp(n, name) != 0)
            value_list_push(&a, &l, arr->u.arr.items[i]);
    }
    if (rc == 0) {
        value_list_push(&a, &l, (struct value *)record);
        struct buf b = BUF_INIT;
        json_print(&b, v_array(&a, l.items, l.len), JSON_PRETTY);
        const char *base = strrchr(r->path, '/');
        rc = buf_failed(&b) ? as_err(err, 500, ERR_INTERNAL, "out of memory")
                            : store_write_atomic(r->dir, base ? base + 1 : r->path, b.data,
                                                 b.len, err);
        buf_free(&b);
    }
    arena_free(&a);
    return rc;
}

int rvps_put_record(struct rvps *r, const struct value *record, struct as_error *err)
{
    struct arena a;
    arena_init(&a, 1024);
    struct value *values;
    const char *name = rvps_record_name(record);
    /* Validate the record's shape before storing it (a far-past "now" so
     * expiry does not hide errors). */
    int rc = name ? rvps_record_values(record, 0, &a, &values, err)
                  : as_err(err, 400, ERR_INVALID_REQUEST, "reference value record needs a name");
    arena_free(&a);
    if (rc < 0) {
        if (err) { /* the caller's record, not our storage: a client error */
            err->status = 400;
            snprintf(err->type, sizeof(err->type), "%s", ERR_INVALID_REQUEST);
        }
        return -1;
    }
    pthread_mutex_lock(&r->lock);
    if (r->kind == RVPS_MEMORY) {
        rc = put_memory(r, name, record, err);
    } else if (r->kind == RVPS_JSON_FILE) {
        rc = put_json_file(r, name, record, err);
    } else {
        struct buf b = BUF_INIT;
        json_print(&b, record, JSON_COMPACT);
        rc = buf_failed(&b) ? as_err(err, 500, ERR_INTERNAL, "out of memory")
                            : kv_put(r->kv, name, b.data, b.len, err);
        buf_free(&b);
    }
    pthread_mutex_unlock(&r->lock);
    return rc;
}

static int sample_payload(const struct value *msg, struct arena *a, struct value **obj,
                          struct as_error *err)
{
    const struct value *payload = value_object_get_str(msg, "payload");
    if (!v_is(payload, V_STRING))
        return as_err(err, 400, ERR_INVALID_REQUEST, "rvps message: `payload` must be a string");
    uint8_t *bytes;
    size_t len;
    const char *why;
    if (b64_decode(a, payload->u.str.s, payload->u.str.len, B64_STD_PAD, &bytes, &len, &why) < 0)
        return as_err(err, 400, ERR_INVALID_BASE64,
                      "rvps message: `payload` is not standard base64 with padding: %s", why);
    if (json_parse(a, (const char *)bytes, len, NULL, obj, err) < 0 || !v_is(*obj, V_OBJECT))
        return as_err(err, 400, ERR_INVALID_REQUEST,
                      "rvps message: the sample payload must be a JSON object");
    return 0;
}

static int check_string_array(const struct value *k, const struct value *v, struct as_error *err)
{
    bool ok = v_is(v, V_ARRAY);
    for (size_t j = 0; ok && j < v->u.arr.len; j++)
        ok = v_is(v->u.arr.items[j], V_STRING);
    if (!ok)
        return as_err(err, 400, ERR_INVALID_REQUEST,
                      "rvps message: reference values of '%s' must be an array of strings",
                      v_is(k, V_STRING) ? k->u.str.s : "?");
    return 0;
}

/* The registration envelope: version 0.1.0 (when present), type sample. */
static int check_envelope(const struct value *msg, struct as_error *err)
{
    const struct value *ver = value_object_get_str(msg, "version");
    const struct value *type = value_object_get_str(msg, "type");
    if (ver && !(v_is(ver, V_STRING) && strcmp(ver->u.str.s, "0.1.0") == 0))
        return as_err(err, 400, ERR_INVALID_REQUEST, "rvps message: Version unmatched! Need 0.1.0");
    if (!v_is(type, V_STRING) || strcmp(type->u.str.s, "sample") != 0)
        return as_err(err, 400, ERR_INVALID_REQUEST,
                      "rvps message: Could not find extractor for %s (only `sample` is built in)",
                      v_is(type, V_STRING) ? type->u.str.s : "(missing type)");
    return 0;
}

int rvps_register(struct rvps *r, const struct value *msg, time_t now, struct as_error *err)
{
    TRY(check_envelope(msg, err));
    struct arena a;
    arena_init(&a, 4096);
    struct value *obj;
    int rc = sample_payload(msg, &a, &obj, err);
    time_t exp = rvps_default_expiry(now);
    for (size_t i = 0; rc == 0 && i < obj->u.obj.len; i++) {
        const struct value_pair *p = &obj->u.obj.pairs[i];
        rc = check_string_array(p->key, p->val, err);
        if (rc == 0 && !v_is(p->key, V_STRING))
            rc = as_err(err, 400, ERR_INVALID_REQUEST, "rvps message: names must be strings");
        struct value *rec = rc == 0 ? rvps_record_make(&a, p->key->u.str.s, p->val, exp) : NULL;
        if (rc == 0)
            rc = rec ? rvps_put_record(r, rec, err) : as_err(err, 500, ERR_INTERNAL, "out of memory");
    }
    arena_free(&a);
    return rc;
}

int rvps_register_v26(struct rvps *r, const struct value *msg, time_t now, struct as_error *err)
{
    TRY(check_envelope(msg, err));
    struct arena a;
    arena_init(&a, 4096);
    struct value *obj;
    int rc = sample_payload(msg, &a, &obj, err);
    time_t exp = rvps_default_expiry(now);
    for (size_t i = 0; rc == 0 && i < obj->u.obj.len; i++) {
        const struct value_pair *p = &obj->u.obj.pairs[i];
        if (!v_is(p->key, V_STRING))
            rc = as_err(err, 400, ERR_INVALID_REQUEST, "rvps message: names must be strings");
        struct value *rec = rc == 0 ? rvps_record_make_v26(&a, p->key->u.str.s, p->val, exp) : NULL;
        if (rc == 0)
            rc = rec ? rvps_put_record(r, rec, err) : as_err(err, 500, ERR_INTERNAL, "out of memory");
    }
    arena_free(&a);
    return rc;
}
