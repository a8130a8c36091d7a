#include "mcburn.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* The state behind a hashing source. libburn reads the source on its own writer thread
 * while the caller asks for the digest on another, so `lock` guards the digest fields. */
struct hashing_state {
    struct burn_source *inner;
    pthread_mutex_t lock;
    void *md5_context; /* NULL once the digest is closed */
    unsigned char digest[16];
    int digest_valid;
    off_t bytes_read;
};

/* Reads from a burn_source of either layout: version 0 has read(), later ones read_xt(). */
static int read_inner(struct burn_source *inner, unsigned char *buffer, int size)
{
    if (inner->read != NULL)
        return inner->read(inner, buffer, size);
    return inner->read_xt(inner, buffer, size);
}

static int hashing_read(struct burn_source *source, unsigned char *buffer, int size)
{
    struct hashing_state *state = source->data;
    int count = read_inner(state->inner, buffer, size);

    if (count > 0) {
        pthread_mutex_lock(&state->lock);
        if (state->md5_context != NULL) {
            iso_md5_compute(state->md5_context, (char *) buffer, count);
            state->bytes_read += count;
        }
        pthread_mutex_unlock(&state->lock);
    }
    return count;
}

static off_t hashing_get_size(struct burn_source *source)
{
    struct hashing_state *state = source->data;
    return state->inner->get_size(state->inner);
}

static int hashing_set_size(struct burn_source *source, off_t size)
{
    struct hashing_state *state = source->data;
    return state->inner->set_size(state->inner, size);
}

static int hashing_cancel(struct burn_source *source)
{
    struct hashing_state *state = source->data;
    struct burn_source *inner = state->inner;

    if (inner->read == NULL && inner->version >= 1 && inner->cancel != NULL)
        return inner->cancel(inner);
    return 1;
}

static void hashing_free_data(struct burn_source *source)
{
    struct hashing_state *state = source->data;

    burn_source_free(state->inner);
    if (state->md5_context != NULL)
        iso_md5_end(&state->md5_context, (char *) state->digest);
    pthread_mutex_destroy(&state->lock);
    free(state);
}

int mcburn_image_size(IsoImage *image, IsoWriteOpts *opts, off_t *size)
{
    struct burn_source *source = NULL;
    int ret;

    /* With will_cancel set, libisofs computes the layout but starts no writer thread, so
     * freeing the source right away is safe and wastes no reading. */
    ret = iso_write_opts_set_will_cancel(opts, 1);
    if (ret < 0)
        return ret;
    ret = iso_image_create_burn_source(image, opts, &source);
    iso_write_opts_set_will_cancel(opts, 0);
    if (ret < 0)
        return ret;

    *size = source->get_size(source);
    source->cancel(source);
    burn_source_free(source);
    return 1;
}

int mcburn_hashing_image_source_new(IsoImage *image, IsoWriteOpts *opts,
                                    struct burn_source **source)
{
    struct burn_source *inner = NULL;
    struct burn_source *outer = NULL;
    struct hashing_state *state = NULL;
    int ret;

    ret = iso_image_create_burn_source(image, opts, &inner);
    if (ret < 0)
        return ret;

    outer = calloc(1, sizeof(*outer));
    state = calloc(1, sizeof(*state));
    if (outer == NULL || state == NULL)
        goto out_of_memory;
    if (iso_md5_start(&state->md5_context) < 0)
        goto out_of_memory;
    pthread_mutex_init(&state->lock, NULL);
    state->inner = inner;

    outer->refcount = 1;
    outer->read = NULL;
    outer->read_sub = NULL;
    outer->get_size = hashing_get_size;
    outer->set_size = hashing_set_size;
    outer->free_data = hashing_free_data;
    outer->next = NULL;
    outer->data = state;
    outer->version = 1;
    outer->read_xt = hashing_read;
    outer->cancel = hashing_cancel;

    *source = outer;
    return 1;

out_of_memory:
    if (state != NULL && state->md5_context != NULL)
        iso_md5_end(&state->md5_context, (char *) state->digest);
    free(state);
    free(outer);
    inner->cancel(inner);
    burn_source_free(inner);
    return ISO_OUT_OF_MEM;
}

int mcburn_hashing_source_result(struct burn_source *source, unsigned char digest[16],
                                 off_t *bytes_read)
{
    struct hashing_state *state;
    int ret = 1;

    if (source == NULL || source->free_data != hashing_free_data)
        return 0;
    state = source->data;

    pthread_mutex_lock(&state->lock);
    if (!state->digest_valid) {
        if (state->md5_context == NULL
            || iso_md5_end(&state->md5_context, (char *) state->digest) < 0)
            ret = -1;
        else
            state->digest_valid = 1;
    }
    if (ret == 1) {
        memcpy(digest, state->digest, 16);
        *bytes_read = state->bytes_read;
    }
    pthread_mutex_unlock(&state->lock);
    return ret;
}

void mcburn_source_cancel(struct burn_source *source)
{
    if (source != NULL && source->free_data == hashing_free_data)
        hashing_cancel(source);
}

off_t mcburn_source_size(struct burn_source *source)
{
    return source->get_size(source);
}
