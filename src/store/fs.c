/* fs.c - local file helpers of store.h: mkdir -p, atomic replace, bounded
 * whole-file reads, removal and sorted listings. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"

static int io_err(struct as_error *err, const char *what, const char *path)
{
    return as_err(err, 500, ERR_INTERNAL, "storage: %s %s: %s", what, path, strerror(errno));
}

int store_mkdir_p(const char *path, struct as_error *err)
{
    char tmp[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof(tmp))
        return as_err(err, 500, ERR_INTERNAL, "storage: bad directory path '%s'", path);
    memcpy(tmp, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] != '/' && tmp[i] != '\0')
            continue;
        char saved = tmp[i];
        tmp[i] = '\0';
        if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
            return io_err(err, "cannot create directory", tmp);
        tmp[i] = saved;
    }
    struct stat st;
    if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
        return as_err(err, 500, ERR_INTERNAL, "storage: %s is not a directory", path);
    return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int store_write_atomic(const char *dir, const char *name, const void *data, size_t len,
                       struct as_error *err)
{
    char target[4096], tmp[4096];
    if (snprintf(target, sizeof(target), "%s/%s", dir, name) >= (int)sizeof(target) ||
        snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name) >= (int)sizeof(tmp))
        return as_err(err, 500, ERR_INTERNAL, "storage: path too long for '%s'", name);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return io_err(err, "cannot create temporary file in", dir);
    if (fchmod(fd, 0644) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0) {
        io_err(err, "cannot write", tmp);
        close(fd);
        unlink(tmp);
        return -1;
    }
    if (close(fd) < 0) {
        io_err(err, "cannot close", tmp);
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, target) < 0) {
        io_err(err, "cannot rename into", target);
        unlink(tmp);
        return -1;
    }
    if (fsync_dir(dir) < 0)
        return io_err(err, "cannot sync directory", dir);
    return 0;
}

static int read_fd(int fd, const char *path, size_t max, struct arena *a, char **data, size_t *len,
                   struct as_error *err)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return io_err(err, "cannot stat", path);
    if (!S_ISREG(st.st_mode))
        return as_err(err, 500, ERR_INTERNAL, "storage: %s is not a regular file", path);
    if ((unsigned long long)st.st_size > max)
        return as_err(err, 500, ERR_INTERNAL, "storage: %s is larger than %zu bytes", path, max);
    size_t cap = (size_t)st.st_size;
    char *buf = arena_alloc(a, cap + 1);
    if (!buf)
        return as_err(err, 500, ERR_INTERNAL, "storage: out of memory reading %s", path);
    size_t got = 0;
    while (got < cap) {
        ssize_t r = read(fd, buf + got, cap - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return io_err(err, "cannot read", path);
        if (r == 0)
            break; /* shrank meanwhile; we never read past the size we sized for */
        got += (size_t)r;
    }
    buf[got] = '\0';
    *data = buf;
    *len = got;
    return 0;
}

int store_read_file(const char *path, size_t max, struct arena *a, char **data, size_t *len,
                    struct as_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 1;
        return io_err(err, "cannot open", path);
    }
    int rc = read_fd(fd, path, max, a, data, len, err);
    close(fd);
    return rc;
}

int store_remove(const char *dir, const char *name, struct as_error *err)
{
    char path[4096];
    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
        return as_err(err, 500, ERR_INTERNAL, "storage: path too long for '%s'", name);
    if (unlink(path) < 0) {
        if (errno == ENOENT)
            return 1;
        return io_err(err, "cannot remove", path);
    }
    if (fsync_dir(dir) < 0)
        return io_err(err, "cannot sync directory", dir);
    return 0;
}

static int cmp_names(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static bool is_regular(int dfd, const struct dirent *de)
{
    if (de->d_type == DT_REG)
        return true;
    if (de->d_type != DT_UNKNOWN && de->d_type != DT_LNK)
        return false;
    struct stat st;
    return fstatat(dfd, de->d_name, &st, 0) == 0 && S_ISREG(st.st_mode);
}

static int push_name(struct arena *a, char ***names, size_t *n, size_t *cap, const char *s,
                     size_t len)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        char **grown = arena_alloc(a, ncap * sizeof(char *));
        if (!grown)
            return -1;
        if (*n)
            memcpy(grown, *names, *n * sizeof(char *));
        *names = grown;
        *cap = ncap;
    }
    (*names)[*n] = arena_strndup(a, s, len);
    if (!(*names)[*n])
        return -1;
    (*n)++;
    return 0;
}

int store_list(const char *dir, const char *suffix, struct arena *a, char ***names, size_t *n,
               struct as_error *err)
{
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            return 0;
        return io_err(err, "cannot list", dir);
    }
    size_t cap = 0, slen = strlen(suffix);
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] == '.' || len <= slen || strcmp(de->d_name + len - slen, suffix) != 0)
            continue;
        if (!is_regular(dirfd(d), de))
            continue;
        if (push_name(a, names, n, &cap, de->d_name, len - slen) < 0) {
            rc = as_err(err, 500, ERR_INTERNAL, "storage: out of memory listing %s", dir);
            break;
        }
    }
    closedir(d);
    if (rc == 0 && *n > 1)
        qsort(*names, *n, sizeof(char *), cmp_names);
    return rc;
}
