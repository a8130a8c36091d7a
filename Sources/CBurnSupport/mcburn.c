#include "mcburn.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* The hashing thread takes the stream in slots of this many bytes. libburn reads the image
 * 2048 bytes at a time, and handing over each read alone would wake the thread per read. */
#define HASH_SLOT_BYTES (256 * 1024)

/* The number of slots that may wait for the hashing thread: up to 32 MiB. A slot gets its
 * memory when it is first used, so the queue grows only while hashing lags behind writing.
 * A file on a disk takes the image faster than MD5 is computed, which is about 700 MB/s on
 * one core of the bench machine. A queue this long lets libburn finish the write and its
 * fsync while the digest catches up. An optical drive writes slower than MD5 runs, so its
 * queue stays short. */
#define HASH_QUEUE_SLOTS 128

/* Part of the stream, copied for the hashing thread. */
struct hash_slot {
    unsigned char *data; /* HASH_SLOT_BYTES, or NULL before the first use */
    int length;
};

/* The state behind a hashing source. A thread of libburn reads the source, a thread of
 * this source computes the MD5 digest of what was read, and the caller asks for the digest
 * on a third. The reading thread fills the slot at `head` while `queued` is below
 * HASH_QUEUE_SLOTS, holding `reader_lock` but not `lock`, because the hashing thread
 * touches only the `queued` slots from `tail` on. `lock` guards every field below it. */
struct hashing_state {
    struct burn_source *inner;
    pthread_t hasher;
    struct hash_slot slots[HASH_QUEUE_SLOTS];

    /* Taken by each read and by stop_hashing, which may run while a read still does after
     * a failed write. */
    pthread_mutex_t reader_lock;
    int filled; /* bytes in the slot at `head` */

    pthread_mutex_t lock;
    pthread_cond_t slot_queued;  /* signalled when a slot is queued or reading ends */
    pthread_cond_t slot_drained; /* signalled when the hashing thread frees a slot */
    int hasher_running;          /* the hashing thread was started and not joined yet */
    int head;
    int tail;
    int queued;
    int closing;     /* reading has ended: hash what is queued, then stop */
    int hash_failed; /* a slot could not be allocated, so the digest is incomplete */
    void *md5_context; /* NULL once the digest is closed */
    unsigned char digest[16];
    int digest_valid;
    off_t bytes_read; /* the bytes queued for hashing */
};

/* Reads from a burn_source of either layout: version 0 has read(), later ones read_xt(). */
static int read_inner(struct burn_source *inner, unsigned char *buffer, int size)
{
    if (inner->read != NULL)
        return inner->read(inner, buffer, size);
    return inner->read_xt(inner, buffer, size);
}

/* The hashing thread: computes the MD5 of the queued slots in order until reading ends. */
static void *hash_queued_slots(void *argument)
{
    struct hashing_state *state = argument;

    pthread_mutex_lock(&state->lock);
    for (;;) {
        while (state->queued == 0 && !state->closing)
            pthread_cond_wait(&state->slot_queued, &state->lock);
        if (state->queued == 0)
            break;
        struct hash_slot *slot = &state->slots[state->tail];
        pthread_mutex_unlock(&state->lock);

        /* md5_context stays open until this thread is joined. */
        iso_md5_compute(state->md5_context, (char *) slot->data, slot->length);

        pthread_mutex_lock(&state->lock);
        state->tail = (state->tail + 1) % HASH_QUEUE_SLOTS;
        state->queued--;
        pthread_cond_signal(&state->slot_drained);
    }
    pthread_mutex_unlock(&state->lock);
    return NULL;
}

/* Waits until the slot at `head` is free and gives it memory. Returns 0 when reading has
 * ended or memory ran out, and the bytes are then not hashed. */
static int claim_head_slot(struct hashing_state *state)
{
    pthread_mutex_lock(&state->lock);
    while (state->queued == HASH_QUEUE_SLOTS && !state->closing)
        pthread_cond_wait(&state->slot_drained, &state->lock);
    int usable = !state->closing && !state->hash_failed;
    pthread_mutex_unlock(&state->lock);
    if (!usable)
        return 0;

    struct hash_slot *slot = &state->slots[state->head];
    if (slot->data == NULL)
        slot->data = malloc(HASH_SLOT_BYTES);
    if (slot->data == NULL) {
        pthread_mutex_lock(&state->lock);
        state->hash_failed = 1;
        pthread_mutex_unlock(&state->lock);
        return 0;
    }
    return 1;
}

/* Hands the slot at `head`, with `filled` bytes, to the hashing thread. */
static void queue_head_slot(struct hashing_state *state)
{
    pthread_mutex_lock(&state->lock);
    state->slots[state->head].length = state->filled;
    state->bytes_read += state->filled;
    state->head = (state->head + 1) % HASH_QUEUE_SLOTS;
    state->queued++;
    pthread_cond_signal(&state->slot_queued);
    pthread_mutex_unlock(&state->lock);
    state->filled = 0;
}

/* Copies `count` bytes into the slot at `head`, handing over each slot once it is full. */
static void queue_for_hashing(struct hashing_state *state, const unsigned char *buffer,
                              int count)
{
    while (count > 0) {
        if (state->filled == 0 && !claim_head_slot(state))
            return;
        int room = HASH_SLOT_BYTES - state->filled;
        int length = count < room ? count : room;
        memcpy(state->slots[state->head].data + state->filled, buffer, length);
        state->filled += length;
        buffer += length;
        count -= length;
        if (state->filled == HASH_SLOT_BYTES)
            queue_head_slot(state);
    }
}

static int hashing_read(struct burn_source *source, unsigned char *buffer, int size)
{
    struct hashing_state *state = source->data;
    int count = read_inner(state->inner, buffer, size);

    if (count > 0) {
        pthread_mutex_lock(&state->reader_lock);
        queue_for_hashing(state, buffer, count);
        pthread_mutex_unlock(&state->reader_lock);
    }
    return count;
}

/* Ends reading: hands over the slot being filled, lets the hashing thread hash what is
 * queued and exit, and joins it. Reads after this are neither hashed nor counted. */
static void stop_hashing(struct hashing_state *state)
{
    pthread_mutex_lock(&state->reader_lock);
    if (state->filled > 0)
        queue_head_slot(state);
    pthread_mutex_lock(&state->lock);
    state->closing = 1;
    pthread_cond_broadcast(&state->slot_queued);
    pthread_cond_broadcast(&state->slot_drained);
    int running = state->hasher_running;
    state->hasher_running = 0;
    pthread_mutex_unlock(&state->lock);
    pthread_mutex_unlock(&state->reader_lock);
    if (running)
        pthread_join(state->hasher, NULL);
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

static void free_state(struct hashing_state *state)
{
    stop_hashing(state);
    if (state->md5_context != NULL)
        iso_md5_end(&state->md5_context, (char *) state->digest);
    for (int index = 0; index < HASH_QUEUE_SLOTS; index++)
        free(state->slots[index].data);
    pthread_cond_destroy(&state->slot_drained);
    pthread_cond_destroy(&state->slot_queued);
    pthread_mutex_destroy(&state->lock);
    pthread_mutex_destroy(&state->reader_lock);
    free(state);
}

static void hashing_free_data(struct burn_source *source)
{
    struct hashing_state *state = source->data;

    burn_source_free(state->inner);
    free_state(state);
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
    if (state != NULL) {
        pthread_mutex_init(&state->reader_lock, NULL);
        pthread_mutex_init(&state->lock, NULL);
        pthread_cond_init(&state->slot_queued, NULL);
        pthread_cond_init(&state->slot_drained, NULL);
    }
    if (outer == NULL || state == NULL)
        goto out_of_memory;
    if (iso_md5_start(&state->md5_context) < 0)
        goto out_of_memory;
    if (pthread_create(&state->hasher, NULL, hash_queued_slots, state) != 0)
        goto out_of_memory;
    state->hasher_running = 1;
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
    if (state != NULL)
        free_state(state);
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

    stop_hashing(state);
    pthread_mutex_lock(&state->lock);
    if (!state->digest_valid) {
        if (state->md5_context == NULL || state->hash_failed
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
