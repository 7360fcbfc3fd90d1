/* vec.h - room for one more element in a heap array that doubles when
 * full (the append step of the compiler's lists). */
#ifndef AS_BASE_VEC_H
#define AS_BASE_VEC_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* The array v of *cap elements of size elem holding n, with room for
 * element n: v itself when there is room, else v reallocated to twice the
 * capacity (first when empty) and *cap updated.  NULL when out of memory
 * (v is then unchanged and still owned by the caller). */
static inline void *vec_grow(void *v, size_t *cap, size_t n, size_t elem, size_t first)
{
    if (n < *cap)
        return v;
    size_t nc = *cap ? *cap * 2 : first;
    if (nc <= n || nc > SIZE_MAX / elem)
        return NULL;
    void *nv = realloc(v, nc * elem);
    if (nv)
        *cap = nc;
    return nv;
}

#endif
