/*
 * salix_engine.c - fio external ioengine for a Salix array.
 *
 *   fio --ioengine=external:/usr/lib/libsalix-fio.so --members=/dev/ng0n1:...
 *       [--spares=/dev/ng5n1] [--array=NAME] [--polling=off|on] [--fixedbufs=0|1]
 *       [--coalesce=1|0] [--sqthread_poll=0|1] [--staging=1|0]
 *       --name=job ...
 *
 * The array is the job's one "file" (fio's --filename is not needed); its
 * size is the array's capacity. Without --members every Salix namespace
 * that is not a spare is tried. --polling=on polls NVMe completions
 * (io_uring IOPOLL; every member needs NVMe poll queues, nvme.poll_queues=N
 * on the kernel command line; the Salix guest's Linux 6.1 oopses on it, see
 * LinuxPolling in linux_device.h); off (the default) takes interrupts.
 * --fixedbufs=1 registers fio's buffers with the ring, so the kernel does
 * not pin and map them per NVMe command; when the kernel refuses, the job
 * says so and runs without. Off by default: it has not measured faster
 * under TCG (docs/BENCHMARKS.md, array-vs-md). Each job opens the array from its members
 * (exclusively: one job per array, numjobs=1) and syncs it at the end.
 * --coalesce=0 turns off the engine's merging of chunk writes into fewer
 * member commands (Array::SetWriteCoalescing), to measure what it saves.
 * --sqthread_poll=1 (as fio's io_uring engine names it) submits through a
 * kernel thread polling the ring (IORING_SETUP_SQPOLL): the kernel's work
 * per NVMe command leaves fio's thread, which then runs fio and the engine.
 * --staging=0 leaves the memory the engine builds merged commands in
 * unregistered (on by default: registered, those commands need no page
 * pinning each; Array::staging_memory), to measure what it saves.
 *
 * Async mapping: queue -> Array::Submit* (never blocks; completions are
 * collected by the callbacks), commit -> nothing with coalescing (the
 * next getevents sends what was queued, together), else one Poll to start
 * the devices, getevents -> Poll until 'min' requests completed, event ->
 * the i-th completed io_u.
 *
 * Built against the exact fio the guest runs (see fio-source.sh).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fio.h"
#include "optgroup.h"

#include "array_bridge.h"

struct salix_options {
	void *pad; /* fio stores the thread_data pointer here */
	char *members;
	char *spares;
	char *array;
	char *polling;
	unsigned int fixedbufs;
	unsigned int coalesce;
	unsigned int sqthread_poll;
	unsigned int staging;
};

static struct fio_option options[] = {
	{
		.name = "members",
		.lname = "Salix array members",
		.type = FIO_OPT_STR_STORE,
		.off1 = offsetof(struct salix_options, members),
		.help = "Member devices in any order, colon-separated (/dev/ng0n1:/dev/ng1n1:...)",
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = "spares",
		.lname = "Salix array hot spares",
		.type = FIO_OPT_STR_STORE,
		.off1 = offsetof(struct salix_options, spares),
		.help = "Hot spare devices, colon-separated",
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = "array",
		.lname = "Salix array name",
		.type = FIO_OPT_STR_STORE,
		.off1 = offsetof(struct salix_options, array),
		.help = "Refuse to run unless the array on the members has this name",
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = "polling",
		.lname = "Salix completion polling",
		.type = FIO_OPT_STR_STORE,
		.off1 = offsetof(struct salix_options, polling),
		.help = "off: interrupts; on: poll the NVMe poll queues (io_uring IOPOLL)",
		.def = "off",
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = "fixedbufs",
		.lname = "Salix fixed buffers",
		.type = FIO_OPT_BOOL,
		.off1 = offsetof(struct salix_options, fixedbufs),
		.help = "Register fio's buffers with the ring (no page pinning per NVMe command)",
		.def = "0",
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = "coalesce",
		.lname = "Salix write coalescing",
		.type = FIO_OPT_BOOL,
		.off1 = offsetof(struct salix_options, coalesce),
		.help = "Merge chunk writes that wait for a busy member into one command",
		.def = "1",
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = "sqthread_poll",
		.lname = "Salix kernel submission thread",
		.type = FIO_OPT_BOOL,
		.off1 = offsetof(struct salix_options, sqthread_poll),
		.help = "Submit through a kernel thread polling the ring (io_uring SQPOLL)",
		.def = "0",
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = "staging",
		.lname = "Salix registered staging memory",
		.type = FIO_OPT_BOOL,
		.off1 = offsetof(struct salix_options, staging),
		.help = "Register the engine's staging memory with the ring (no page pinning per merged command)",
		.def = "1",
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{ .name = NULL },
};

struct salix_data {
	salix_fio_array *array;
	struct io_u **done; /* completed, not yet handed to fio */
	unsigned int ndone;
	unsigned int nevents; /* handed out by the last getevents */
	struct io_u **events;
};

static salix_fio_array *open_array(struct thread_data *td)
{
	struct salix_options *o = td->eo;
	char err[512];
	salix_fio_array *a = salix_fio_open(o->members, o->spares, o->array, o->polling,
					    o->sqthread_poll, o->staging, err, sizeof(err));
	if (!a)
		log_err("fio: salix: %s\n", err);
	return a;
}

static int salix_setup(struct thread_data *td)
{
	struct fio_file *f;
	salix_fio_array *a;
	char err[512];

	if (!td->files_index) {
		add_file(td, "salix-array", 0, 0);
		td->o.nr_files = td->o.nr_files ? : 1;
		td->o.open_files++;
	}
	f = td->files[0];
	/* The size is needed now; the job itself reopens in init (nbd does the
	 * same), so the devices are never shared across fio's fork. */
	a = open_array(td);
	if (!a)
		return 1;
	f->real_file_size = salix_fio_capacity(a);
	fio_file_set_size_known(f);
	if (salix_fio_close(a, err, sizeof(err))) {
		log_err("fio: salix: %s\n", err);
		return 1;
	}
	return 0;
}

static int salix_init(struct thread_data *td)
{
	struct salix_data *d = calloc(1, sizeof(*d));
	unsigned int depth = td->o.iodepth ? td->o.iodepth : 1;

	if (!d)
		return 1;
	d->done = calloc(depth, sizeof(*d->done));
	d->events = calloc(depth, sizeof(*d->events));
	td->io_ops_data = d;
	if (!d->done || !d->events)
		return 1;
	d->array = open_array(td);
	if (!d->array)
		return 1;
	salix_fio_coalesce(d->array, ((struct salix_options *)td->eo)->coalesce);
	return 0;
}

/* fio's buffers exist now (post_init runs after they are allocated). */
static int salix_post_init(struct thread_data *td)
{
	struct salix_options *o = td->eo;
	struct salix_data *d = td->io_ops_data;
	char err[512];

	if (!o->fixedbufs || !td->orig_buffer || !td->orig_buffer_size)
		return 0;
	/* Not fatal: without, I/O works as before (the bridge says which). */
	(void)salix_fio_register(d->array, td->orig_buffer, td->orig_buffer_size, err,
				 sizeof(err));
	return 0;
}

static void salix_cleanup(struct thread_data *td)
{
	struct salix_data *d = td->io_ops_data;
	char err[512];

	if (!d)
		return;
	if (d->array && salix_fio_close(d->array, err, sizeof(err)))
		log_err("fio: salix: closing the array: %s\n", err);
	free(d->done);
	free(d->events);
	free(d);
	td->io_ops_data = NULL;
}


static void salix_completed(void *ctx, int result)
{
	struct io_u *io_u = ctx;
	struct salix_data *d = io_u->engine_data;

	io_u->error = result < 0 ? -result : 0;
	if (!io_u->error)
		io_u->resid = 0;
	d->done[d->ndone++] = io_u;
}

static enum fio_q_status salix_queue(struct thread_data *td, struct io_u *io_u)
{
	struct salix_data *d = td->io_ops_data;
	enum salix_fio_op op;
	int rc;

	fio_ro_check(td, io_u);
	switch (io_u->ddir) {
	case DDIR_READ: op = SALIX_FIO_READ; break;
	case DDIR_WRITE: op = SALIX_FIO_WRITE; break;
	case DDIR_TRIM: op = SALIX_FIO_TRIM; break;
	case DDIR_SYNC:
	case DDIR_DATASYNC: op = SALIX_FIO_FLUSH; break;
	default:
		io_u->error = EINVAL;
		return FIO_Q_COMPLETED;
	}
	io_u->engine_data = d;
	rc = salix_fio_submit(d->array, op, io_u->offset, io_u->xfer_buflen, io_u->xfer_buf,
			      salix_completed, io_u);
	if (rc) {
		io_u->error = -rc;
		log_err("fio: salix: request refused (offset %llu, length %llu: unaligned to %u "
			"or past the end?)\n", io_u->offset, io_u->xfer_buflen,
			salix_fio_block(d->array));
		return FIO_Q_COMPLETED;
	}
	return FIO_Q_QUEUED;
}

static int salix_commit(struct thread_data *td)
{
	struct salix_data *d = td->io_ops_data;
	struct salix_options *o = td->eo;

	/* With coalescing, what fio queued waits for the next getevents, which
	 * fio calls once the queue is full or it needs a completion: then all
	 * of it goes out together, each member's adjacent chunks as one
	 * command (the block layer's plugging does the same for md). fio
	 * commits after every io_u (iodepth_batch=1), so polling here would
	 * send each request alone. */
	if (o->coalesce)
		return 0;
	salix_fio_poll(d->array, 0);
	return 0;
}

static int salix_getevents(struct thread_data *td, unsigned int min, unsigned int max,
			   const struct timespec *t)
{
	struct salix_data *d = td->io_ops_data;
	unsigned int n, i;

	(void)t;
	while (d->ndone < min)
		salix_fio_poll(d->array, 1000);
	if (d->ndone == 0)
		salix_fio_poll(d->array, 0);
	n = d->ndone < max ? d->ndone : max;
	memcpy(d->events, d->done, n * sizeof(*d->events));
	/* Keep the rest, in order, for the next call. */
	for (i = n; i < d->ndone; i++)
		d->done[i - n] = d->done[i];
	d->ndone -= n;
	return (int)n;
}

static struct io_u *salix_event(struct thread_data *td, int event)
{
	struct salix_data *d = td->io_ops_data;

	return d->events[event];
}

static int salix_open_file(struct thread_data *td, struct fio_file *f)
{
	(void)td;
	(void)f;
	return 0;
}

static int salix_invalidate(struct thread_data *td, struct fio_file *f)
{
	(void)td;
	(void)f;
	return 0;
}

struct ioengine_ops ioengine = {
	.name = "salix",
	.version = FIO_IOOPS_VERSION,
	/*
	 * FIO_MEMALIGN | FIO_RAWIO (as fio's io_uring_cmd engine): page-aligned
	 * I/O buffers, as with --direct=1, so that a buffer of whole pages is
	 * mapped as whole pages by the passthrough commands carrying it.
	 */
	.flags = FIO_DISKLESSIO | FIO_NOEXTEND | FIO_NODISKUTIL | FIO_MEMALIGN |
		 FIO_RAWIO,
	.setup = salix_setup,
	.init = salix_init,
	.post_init = salix_post_init,
	.cleanup = salix_cleanup,
	.queue = salix_queue,
	.commit = salix_commit,
	.getevents = salix_getevents,
	.event = salix_event,
	.open_file = salix_open_file,
	.invalidate = salix_invalidate,
	.options = options,
	.option_struct_size = sizeof(struct salix_options),
};
