/*
 * salix-nvme worker thread: runs the firmware outside the vCPU threads and
 * without the BQL, and provides the firmware's platform services.
 *
 * The worker sleeps on an eventfd that platform.kick sets from the MMIO path
 * (doorbells), with a nanosecond timeout taken from salix_ctrl_run()'s next
 * due time. After going idle it first polls for new work for a short,
 * adaptive window ("poll-us" is the ceiling, 0 disables): doorbells that
 * arrive inside the window are picked up without a wake-up, and an idle
 * device costs no CPU once the window has passed. A due time further out
 * is slept towards with a timer that aims poll-us early, the rest spun.
 *
 * MSI-X vectors raised during one run() are collected and notified under
 * one BQL acquisition after run() returns, so run() never holds the BQL.
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/atomic.h"
#include "qemu/bitmap.h"
#include "qemu/main-loop.h"
#include "qemu/processor.h"
#include "qemu/rcu.h"
#include "qemu/timer.h"
#include "hw/pci/msix.h"
#include "hw/pci/pci.h"
#include <sys/prctl.h>

#include "salix-nvme.h"
#include "trace.h"

/* Smallest useful polling window when it grows again from zero. */
#define SALIX_POLL_GROW_START_NS 4000

/* ---- platform callbacks (worker thread, inside salix_ctrl_run) ----------- */

static int salix_dma_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
    SalixNvmeState *s = opaque;

    if (pci_dma_read(&s->parent_obj, addr, buf, len) != MEMTX_OK) {
        trace_salix_err_dma(s->name, "read", addr, len);
        return -1;
    }
    return 0;
}

static int salix_dma_write(void *opaque, uint64_t addr, const void *buf,
                           size_t len)
{
    SalixNvmeState *s = opaque;

    if (pci_dma_write(&s->parent_obj, addr, buf, len) != MEMTX_OK) {
        trace_salix_err_dma(s->name, "write", addr, len);
        return -1;
    }
    return 0;
}

static void salix_irq(void *opaque, uint16_t vector)
{
    SalixNvmeState *s = opaque;
    SalixWorker *w = &s->worker;

    if (vector >= s->msix_vectors) {
        trace_salix_err_irq_vector(s->name, vector, s->msix_vectors);
        return;
    }
    set_bit(vector, w->irq_pending);
    w->irq_any = true;
}

static uint64_t salix_now_ns(void *opaque)
{
    return qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
}

/* Called on a vCPU thread from salix_ctrl_mmio_write(). */
static void salix_kick(void *opaque)
{
    SalixNvmeState *s = opaque;
    SalixWorker *w = &s->worker;

    /*
     * One eventfd write per run() is enough: the worker clears the flag
     * before it runs, so every later kick writes again.
     */
    if (!qatomic_xchg(&w->kicked, true)) {
        event_notifier_set(&w->kick);
    }
}

void salix_worker_platform(SalixNvmeState *s, salix_platform *platform)
{
    *platform = (salix_platform) {
        .opaque = s,
        .dma_read = salix_dma_read,
        .dma_write = salix_dma_write,
        .irq = salix_irq,
        .now_ns = salix_now_ns,
        .kick = salix_kick,
    };
}

/* ---- the thread ---------------------------------------------------------- */

static void salix_worker_notify(SalixNvmeState *s)
{
    SalixWorker *w = &s->worker;
    unsigned long v;
    bool stale;

    if (!w->irq_any) {
        return;
    }
    w->irq_any = false;

    qemu_mutex_lock_iothread();
    /* A bus reset requested meanwhile makes these interrupts meaningless. */
    stale = w->reset_req != w->reset_done;
    for (v = find_first_bit(w->irq_pending, s->msix_vectors);
         v < s->msix_vectors;
         v = find_next_bit(w->irq_pending, s->msix_vectors, v + 1)) {
        if (!stale) {
            trace_salix_irq(s->name, v);
            msix_notify(&s->parent_obj, v);
        }
    }
    qemu_mutex_unlock_iothread();
    bitmap_zero(w->irq_pending, s->msix_vectors);
}

static void salix_worker_do_reset(SalixNvmeState *s, unsigned req)
{
    SalixWorker *w = &s->worker;

    trace_salix_worker_reset(s->name);
    s->fw->ctrl_reset(s->ctrl);
    bitmap_zero(w->irq_pending, s->msix_vectors);
    w->irq_any = false;

    qemu_mutex_lock_iothread();
    w->reset_done = req;
    qemu_cond_broadcast(&w->cond);
    qemu_mutex_unlock_iothread();
}

static bool salix_worker_wanted(SalixNvmeState *s, unsigned reset_seen)
{
    SalixWorker *w = &s->worker;

    return qatomic_read(&w->kicked) || qatomic_read(&w->stopping) ||
           qatomic_read(&w->reset_req) != reset_seen ||
           s->fw->ctrl_has_work(s->ctrl);
}

/*
 * Waits until there is work, a kick, or the firmware's next due time.
 */
static void salix_worker_idle(SalixNvmeState *s, uint64_t next,
                              unsigned reset_seen)
{
    SalixWorker *w = &s->worker;
    GPollFD pfd = {
        .fd = event_notifier_get_fd(&w->kick),
        .events = G_IO_IN,
    };
    uint64_t now = salix_now_ns(s);
    uint64_t until;
    int64_t timeout, slept;

    if (next <= now) {
        return;
    }

    /*
     * Poll: doorbells inside the window avoid a sleep/wake-up round trip;
     * a due time inside the window is met by spinning, not by a timer.
     */
    until = MIN(now + w->poll_ns, next);
    while (now < until) {
        if (salix_worker_wanted(s, reset_seen)) {
            return;
        }
        cpu_relax();
        now = salix_now_ns(s);
    }
    if (next <= now) {
        return;
    }

    /*
     * A timed sleep wakes late: 20-40 us typically, 100 us at times, on
     * the (virtualised, 2-core) hosts this was measured on, which is as
     * long as the flash operations being modelled. So the timer aims
     * poll-us early and the worker spins the rest of the way; the spin
     * happens only while a completion is due, never on an idle device.
     */
    if (next != SALIX_RUN_IDLE && next - now <= w->poll_max_ns) {
        while (now < next) {
            if (salix_worker_wanted(s, reset_seen)) {
                return;
            }
            cpu_relax();
            now = salix_now_ns(s);
        }
        return;
    }

    timeout = next == SALIX_RUN_IDLE ? -1
                                     : (int64_t)(next - now - w->poll_max_ns);
    if (salix_worker_wanted(s, reset_seen)) {
        return;
    }
    trace_salix_worker_sleep(s->name, timeout);
    qemu_poll_ns(&pfd, 1, timeout);
    slept = salix_now_ns(s) - now;

    /*
     * Adapt the window to the gaps between kicks, as aio polling does: grow
     * it when a longer window would have caught this kick, shrink it when
     * kicks come further apart than the ceiling. Timer wake-ups, resets
     * and stop requests say nothing about the guest and leave it alone.
     */
    if ((pfd.revents & G_IO_IN) && qatomic_read(&w->kicked)) {
        if (w->poll_ns + slept <= w->poll_max_ns) {
            w->poll_ns = MIN(w->poll_max_ns,
                             MAX(w->poll_ns * 2, SALIX_POLL_GROW_START_NS));
        } else {
            w->poll_ns /= 2;
            if (w->poll_ns < 1000) {
                w->poll_ns = 0;
            }
        }
    }
    trace_salix_worker_wake(s->name, slept, w->poll_ns);
}

static void *salix_worker_thread(void *opaque)
{
    SalixNvmeState *s = opaque;
    SalixWorker *w = &s->worker;
    unsigned reset_seen = 0;
    uint64_t now, next;

    rcu_register_thread();
    /* The default 50 us timer slack would swamp modelled flash latencies. */
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);

    while (!qatomic_read(&w->stopping)) {
        unsigned req = qatomic_read(&w->reset_req);

        if (req != reset_seen) {
            salix_worker_do_reset(s, req);
            reset_seen = req;
            continue;
        }

        /*
         * Clear before run(): a kick after this point sets the eventfd
         * again, a kick before it is seen by run().
         */
        qatomic_set(&w->kicked, false);
        /* Order the clear before run()'s reads; pairs with salix_kick(). */
        smp_mb();
        event_notifier_test_and_clear(&w->kick);

        now = salix_now_ns(s);
        next = s->fw->ctrl_run(s->ctrl, now);
        trace_salix_worker_run(s->name, now, next);
        salix_worker_notify(s);

        salix_worker_idle(s, next, reset_seen);
    }

    qemu_mutex_lock_iothread();
    w->exited = true;
    qemu_cond_broadcast(&w->cond);
    qemu_mutex_unlock_iothread();

    rcu_unregister_thread();
    return NULL;
}

/* ---- control (BQL held) -------------------------------------------------- */

bool salix_worker_init(SalixNvmeState *s, Error **errp)
{
    SalixWorker *w = &s->worker;
    int ret;

    ret = event_notifier_init(&w->kick, 0);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "cannot create the worker's eventfd");
        return false;
    }
    qemu_cond_init(&w->cond);
    w->poll_max_ns = (uint64_t)s->poll_us * 1000;
    w->poll_ns = w->poll_max_ns;
    w->initialized = true;
    return true;
}

void salix_worker_start(SalixNvmeState *s)
{
    SalixWorker *w = &s->worker;

    w->irq_pending = bitmap_new(s->msix_vectors);
    qemu_thread_create(&w->thread, "salix-nvme", salix_worker_thread, s,
                       QEMU_THREAD_JOINABLE);
    w->started = true;
}

/*
 * The worker may be waiting for the BQL (MSI-X, or DMA that hit an MMIO
 * region), so wait for it with the BQL dropped.
 */
void salix_worker_reset(SalixNvmeState *s)
{
    SalixWorker *w = &s->worker;
    unsigned req;

    assert(qemu_mutex_iothread_locked());
    if (!w->started) {
        s->fw->ctrl_reset(s->ctrl);
        return;
    }
    req = w->reset_req + 1;
    qatomic_set(&w->reset_req, req);
    event_notifier_set(&w->kick);
    while (w->reset_done != req) {
        qemu_cond_wait_iothread(&w->cond);
    }
}

void salix_worker_stop(SalixNvmeState *s)
{
    SalixWorker *w = &s->worker;

    if (!w->initialized) {
        return;
    }
    if (w->started) {
        assert(qemu_mutex_iothread_locked());
        qatomic_set(&w->stopping, true);
        event_notifier_set(&w->kick);
        while (!w->exited) {
            qemu_cond_wait_iothread(&w->cond);
        }
        qemu_thread_join(&w->thread);
        w->started = false;
    }
    g_free(w->irq_pending);
    w->irq_pending = NULL;
    event_notifier_cleanup(&w->kick);
    qemu_cond_destroy(&w->cond);
    w->initialized = false;
}
