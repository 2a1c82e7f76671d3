/* The journal file: its header, its records, creating, writing and reading it. */
#include "checkpoint/journal.h"
#include "checkpoint/crc32c.h"
#include "checkpoint/internal.h"
#include "core/err.h"
#include "core/random.h"
#include "core/file.h"
#include "core/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAGIC "PROVCKJ1"
/* "PROVCKJ1 salt=0123456789abcdef" is checksummed; " crc=01234567\n" follows. */
#define HEADER_SIGNED_LEN (sizeof(MAGIC) - 1 + 6 + 16)
#define HEADER_LEN (HEADER_SIGNED_LEN + 14)
/* '#', 8 hex, ' ': the part of a record line before what its checksum covers. */
#define CRC_FIELD_END 10
#define LINE_MAX_LEN (CRC_FIELD_END + 9 + 2 + 2 * 21 + PROV_WORKFLOW_ID_MAX + 1)

static const char zeros[64 * 1024];

off_t prov_journal_padded(size_t len)
{
	return (off_t)((len + PROV_JOURNAL_BLOCK - 1) / PROV_JOURNAL_BLOCK * PROV_JOURNAL_BLOCK);
}

/* ------------------------------------------------------------------ */
/* Reading                                                             */
/* ------------------------------------------------------------------ */

static bool parse_hex(const char *s, size_t digits, uint64_t *out)
{
	uint64_t v = 0;

	for (size_t i = 0; i < digits; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

		if (d < 0)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return true;
}

/* Decimal digits up to a space; advances *p past the space. */
static bool parse_decimal(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (s >= end || *s < '0' || *s > '9')
		return false;
	while (s < end && *s >= '0' && *s <= '9') {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s++ - '0');
	}
	if (s >= end || *s != ' ')
		return false;
	*p = s + 1;
	*out = v;
	return true;
}

/* The header's checksum, or false when block 0 holds no valid header. */
static bool parse_header(const char *image, size_t size, uint32_t *crc)
{
	uint64_t stored;

	if (size < HEADER_LEN || memcmp(image, MAGIC " salt=", sizeof(MAGIC) + 5) != 0 ||
	    memcmp(image + HEADER_SIGNED_LEN, " crc=", 5) != 0 || image[HEADER_LEN - 1] != '\n' ||
	    !parse_hex(image + HEADER_SIGNED_LEN + 5, 8, &stored))
		return false;
	*crc = prov_crc32c(0, image, HEADER_SIGNED_LEN);
	return *crc == (uint32_t)stored;
}

/*
 * Parse the record line at image[pos]; on success fill the record (payload
 * included) and *end, the offset after it. The checksum is checked by the
 * caller.
 */
static bool parse_record(const char *image, size_t size, size_t pos, uint64_t *crc,
			 struct prov_journal_record *r, size_t *end)
{
	const char *line = image + pos;
	const char *limit = image + (size - pos < LINE_MAX_LEN ? size : pos + LINE_MAX_LEN);
	const char *nl = memchr(line, '\n', (size_t)(limit - line));
	const char *p = line + CRC_FIELD_END + 9;
	uint64_t len;
	size_t id_len;

	if (!nl || nl - line < CRC_FIELD_END + 9 + 6 || line[CRC_FIELD_END - 1] != ' ' ||
	    !parse_hex(line + 1, 8, crc) || !parse_hex(line + CRC_FIELD_END, 8, &len) ||
	    line[CRC_FIELD_END + 8] != ' ')
		return false;
	r->kind = *p++;
	if ((r->kind != PROV_JOURNAL_SAVE && r->kind != PROV_JOURNAL_RECORD &&
	     r->kind != PROV_JOURNAL_DELETE) || *p++ != ' ' ||
	    !parse_decimal(&p, nl, &r->generation) || !parse_decimal(&p, nl, &r->revision))
		return false;
	id_len = (size_t)(nl - p);
	if (!prov_workflow_id_is_valid(p, id_len))
		return false;
	memcpy(r->workflow_id, p, id_len);
	r->workflow_id[id_len] = '\0';
	r->payload = nl + 1;
	r->len = (size_t)len;
	if (len >= size || (size_t)(r->payload - image) > size - (size_t)len - 1 ||
	    r->payload[len] != '\n')
		return false;
	*end = (size_t)(r->payload - image) + (size_t)len + 1;
	return true;
}

int prov_journal_walk(const char *image, size_t size, prov_journal_visit_fn visit,
		      void *userdata)
{
	struct prov_journal_record r;
	size_t pos = PROV_JOURNAL_DATA_START, end;
	uint32_t chain;
	uint64_t crc;
	int rc;

	if (size <= PROV_JOURNAL_DATA_START || !parse_header(image, size, &chain))
		return 0;
	while (pos < size) {
		if (image[pos] == '\0' && pos % PROV_JOURNAL_BLOCK != 0) {
			pos = (size_t)prov_journal_padded(pos);
			continue;
		}
		if (image[pos] != '#' || !parse_record(image, size, pos, &crc, &r, &end) ||
		    prov_crc32c(chain, image + pos + CRC_FIELD_END, end - pos - CRC_FIELD_END) !=
		    (uint32_t)crc)
			break;
		if ((rc = visit(&r, userdata)) != 0)
			return rc;
		chain = (uint32_t)crc;
		pos = end;
	}
	return 0;
}

bool prov_journal_is_name(const char *name)
{
	uint64_t ignored;

	return strlen(name) == 20 && strcmp(name + 16, ".log") == 0 &&
	       parse_hex(name, 16, &ignored);
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */
/* ------------------------------------------------------------------ */

size_t prov_journal_frame_size(const char *workflow_id, size_t len)
{
	return LINE_MAX_LEN - PROV_WORKFLOW_ID_MAX + strlen(workflow_id) + len + 1;
}

int prov_journal_frame(prov_strbuf *batch, char kind, uint64_t generation, uint64_t revision,
		       const char *workflow_id, const char *payload, size_t len)
{
	prov_strbuf_printf(batch, "#00000000 %08zx %c %llu %llu %s\n", len, kind,
			   (unsigned long long)generation, (unsigned long long)revision,
			   workflow_id);
	prov_strbuf_append(batch, payload, len);
	prov_strbuf_putc(batch, '\n');
	return prov_strbuf_status(batch);
}

/* Fill in each record's checksum, chaining from *chain. */
static void seal(char *data, size_t len, uint32_t *chain)
{
	size_t pos = 0;

	while (pos < len) {
		char *nl = memchr(data + pos, '\n', len - pos);
		uint64_t payload_len = 0;
		size_t end;
		char hex[9];

		parse_hex(data + pos + CRC_FIELD_END, 8, &payload_len);
		end = (size_t)(nl - data) + 1 + (size_t)payload_len + 1;
		*chain = prov_crc32c(*chain, data + pos + CRC_FIELD_END, end - pos - CRC_FIELD_END);
		snprintf(hex, sizeof(hex), "%08x", *chain);
		memcpy(data + pos + 1, hex, 8);
		pos = end;
	}
}

int prov_journal_write(prov_journal *journal, prov_strbuf *batch, off_t offset,
		       uint32_t *chain)
{
	size_t len = batch->len;
	size_t padded = (size_t)prov_journal_padded(len);

	if (prov_strbuf_reserve(batch, padded - len + 1) != PROV_OK)
		return PROV_ENOMEM;
	seal(batch->data, len, chain);
	memset(batch->data + len, 0, padded - len);
	if (prov_fileio_pwrite_all(journal->io, journal->fd, batch->data, padded, offset) != 0)
		return prov_err_errno(errno, "%s: write failed", journal->path);
	if (journal->io->fdatasync(journal->io->ctx, journal->fd) != 0)
		return prov_err_errno(errno, "%s: fdatasync failed", journal->path);
	return PROV_OK;
}

static int write_header(prov_journal *journal)
{
	char header[HEADER_LEN + 1];

	snprintf(header, sizeof(header), "%s salt=%016llx", MAGIC,
		 (unsigned long long)prov_random64());
	journal->chain = prov_crc32c(0, header, HEADER_SIGNED_LEN);
	snprintf(header + HEADER_SIGNED_LEN, sizeof(header) - HEADER_SIGNED_LEN, " crc=%08x\n",
		 journal->chain);
	if (prov_fileio_pwrite_all(journal->io, journal->fd, header, HEADER_LEN, 0) != 0)
		return prov_err_errno(errno, "%s: write failed", journal->path);
	journal->written = PROV_JOURNAL_DATA_START;
	return PROV_OK;
}

int prov_journal_reset(prov_journal *journal)
{
	return write_header(journal);
}

static int fill_zeros(prov_journal *journal, off_t from, off_t to)
{
	while (from < to) {
		size_t n = (size_t)(to - from) < sizeof(zeros) ? (size_t)(to - from) : sizeof(zeros);

		if (prov_fileio_pwrite_all(journal->io, journal->fd, zeros, n, from) != 0)
			return prov_err_errno(errno, "%s: write failed", journal->path);
		from += (off_t)n;
	}
	return PROV_OK;
}

int prov_journal_grow(prov_journal *journal, off_t capacity)
{
	int rc = fill_zeros(journal, journal->capacity, capacity);

	if (rc == PROV_OK && journal->io->fdatasync(journal->io->ctx, journal->fd) != 0)
		rc = prov_err_errno(errno, "%s: fdatasync failed", journal->path);
	if (rc == PROV_OK)
		journal->capacity = capacity;
	return rc;
}

static prov_journal *journal_new(const prov_fileio *io, char *path, int fd, off_t capacity)
{
	prov_journal *journal = prov_calloc(1, sizeof(*journal));

	if (!journal)
		return NULL;
	journal->io = io;
	journal->path = path;
	journal->fd = fd;
	journal->capacity = capacity;
	journal->written = PROV_JOURNAL_DATA_START;
	return journal;
}

static int create_file(const prov_fileio *io, const char *dir, char **path, int *fd)
{
	size_t size = strlen(dir) + 32;

	*path = prov_malloc(size);
	if (!*path)
		return PROV_ENOMEM;
	for (int attempt = 0; attempt < 100; attempt++) {
		snprintf(*path, size, "%s/%016llx.log", dir, (unsigned long long)prov_random64());
		*fd = io->open(io->ctx, *path, O_RDWR | O_CREAT | O_EXCL, 0600);
		if (*fd >= 0)
			break;
		if (errno != EEXIST)
			return prov_err_errno(errno, "%s: cannot create journal", *path);
	}
	if (*fd < 0)
		return prov_err_errno(EEXIST, "%s: cannot create journal", *path);
	if (io->lock(io->ctx, *fd) != 0)
		return prov_err_errno(errno, "%s: cannot lock journal", *path);
	return PROV_OK;
}

int prov_journal_create(prov_journal **out, const prov_fileio *io, const char *dir,
			size_t capacity)
{
	char *path = NULL;
	int fd = -1, rc;
	off_t size = prov_journal_padded(capacity < PROV_JOURNAL_MIN_CAPACITY
					 ? PROV_JOURNAL_MIN_CAPACITY : capacity);

	*out = NULL;
	rc = create_file(io, dir, &path, &fd);
	if (rc == PROV_OK && !(*out = journal_new(io, path, fd, 0)))
		rc = PROV_ENOMEM;
	if (rc == PROV_OK)
		rc = fill_zeros(*out, 0, size);
	if (rc == PROV_OK && (rc = write_header(*out)) == PROV_OK &&
	    io->fdatasync(io->ctx, fd) != 0)
		rc = prov_err_errno(errno, "%s: fdatasync failed", path);
	if (rc == PROV_OK)
		rc = prov_dir_sync_io(io, dir);
	if (rc == PROV_OK) {
		(*out)->capacity = size;
		return PROV_OK;
	}
	if (*out) {
		prov_journal_close(*out, true);
		*out = NULL;
		return rc;
	}
	if (fd >= 0) {
		io->unlink(io->ctx, path);
		io->close(io->ctx, fd);
	}
	free(path);
	return rc;
}

int prov_journal_adopt(prov_journal **out, const prov_fileio *io, const char *path, int fd,
		       off_t size)
{
	char *copy = prov_strdup(path);
	off_t capacity = size / PROV_JOURNAL_BLOCK * PROV_JOURNAL_BLOCK;
	int rc;

	*out = NULL;
	if (!copy)
		return PROV_ENOMEM;
	*out = journal_new(io, copy, fd, capacity);
	if (!*out) {
		free(copy);
		return PROV_ENOMEM;
	}
	rc = prov_journal_reset(*out);
	if (rc != PROV_OK) {
		(*out)->fd = -1;
		prov_journal_close(*out, false);
		*out = NULL;
	}
	return rc;
}

/* The directory part of a journal's path, to sync after removing it. */
static void sync_parent(const prov_fileio *io, char *path)
{
	char *slash = strrchr(path, '/');

	if (!slash)
		return;
	*slash = '\0';
	prov_dir_sync_io(io, path);
	*slash = '/';
}

void prov_journal_close(prov_journal *journal, bool remove)
{
	if (!journal)
		return;
	if (remove && journal->io->unlink(journal->io->ctx, journal->path) == 0)
		sync_parent(journal->io, journal->path);
	if (journal->fd >= 0)
		journal->io->close(journal->io->ctx, journal->fd);
	free(journal->path);
	free(journal);
}

int prov_journal_image(prov_journal *journal, char **image, size_t *size)
{
	size_t len = (size_t)journal->written;
	ssize_t n;

	*size = 0;
	*image = prov_malloc(len + 1);
	if (!*image)
		return PROV_ENOMEM;
	n = prov_fileio_pread_all(journal->io, journal->fd, *image, len, 0);
	if (n < 0) {
		free(*image);
		*image = NULL;
		return prov_err_errno(errno, "%s: read failed", journal->path);
	}
	(*image)[n] = '\0';
	*size = (size_t)n;
	return PROV_OK;
}
