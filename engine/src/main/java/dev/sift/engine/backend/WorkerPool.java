package dev.sift.engine.backend;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * The threads that share a forward pass's matrix products: the calling thread and
 * {@code threads - 1} persistent workers, which take the tasks of one job at a time from a shared
 * counter.
 *
 * <p>Decoding one token runs about a hundred products of a few hundred microseconds each. Handing
 * each to a {@link java.util.concurrent.ForkJoinPool} cost 30-50 µs of waking parked threads and
 * waiting for them, a tenth of the token. Here a worker that has just finished a job spins for
 * {@link #SPIN_NANOS} before it parks, so the next product of the same token finds it awake, and the
 * caller works on the job itself instead of waiting for a worker to start. Workers that see no job
 * for that long park and cost nothing.
 *
 * <p>Jobs from different threads (sessions sharing a model) run one after another. A task that
 * starts a job of its own, on a worker or on the caller, runs that job's tasks itself.
 */
final class WorkerPool implements AutoCloseable {

    /** How long an idle worker spins before it parks: longer than the gaps between a token's products. */
    private static final long SPIN_NANOS = 200_000;

    private static final AtomicInteger POOLS = new AtomicInteger();

    private final Worker[] workers;
    private final ReentrantLock submission = new ReentrantLock();
    /** The job the workers should help with; null between jobs. */
    private volatile Job current;
    private volatile boolean closed;

    /** @param threads threads that run a job, the caller included: at least 1 */
    WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("a worker pool needs at least 1 thread, got " + threads);
        }
        workers = new Worker[threads - 1];
        int pool = POOLS.incrementAndGet();
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker("sift-worker-" + pool + "-" + (i + 1));
            workers[i].start();
        }
    }

    /**
     * Runs {@code body} for every index in {@code [0, tasks)}, on this thread and the workers, and
     * returns when all are done. If tasks throw, the others still run and the first failure is
     * rethrown here.
     *
     * @throws IllegalStateException if the pool is closed
     */
    void run(int tasks, IntConsumer body) {
        if (closed) {
            throw new IllegalStateException("the worker pool is closed (its model was closed)");
        }
        if (tasks <= 0) {
            return;
        }
        if (tasks == 1 || workers.length == 0 || Thread.currentThread() instanceof Worker
                || submission.isHeldByCurrentThread()) {
            for (int i = 0; i < tasks; i++) {
                body.accept(i);
            }
            return;
        }
        submission.lock();
        try {
            Job job = new Job(body, tasks);
            current = job;
            for (Worker worker : workers) {
                if (worker.parked) {
                    LockSupport.unpark(worker);
                }
            }
            job.work();
            awaitStragglers(job);
            current = null;
            job.rethrowFailure();
        } finally {
            submission.unlock();
        }
    }

    /**
     * Waits for the tasks other threads still run: spinning at first, then yielding the processor,
     * so that with more threads than cores a worker that still has a task is not kept waiting for a
     * core by the thread that waits for it.
     */
    private static void awaitStragglers(Job job) {
        long start = System.nanoTime();
        for (int spins = 1; job.finished.get() < job.tasks; spins++) {
            if ((spins & 0xFF) == 0 && System.nanoTime() - start > SPIN_NANOS) {
                Thread.yield();
            } else {
                Thread.onSpinWait();
            }
        }
    }

    /** The workers' names, {@code sift-worker-POOL-INDEX}. */
    List<String> workerNames() {
        return Arrays.stream(workers).map(Thread::getName).toList();
    }

    /** Threads that run jobs, the caller included. */
    int threads() {
        return workers.length + 1;
    }

    /** Stops the workers; a job already running finishes first. */
    @Override
    public void close() {
        submission.lock();
        try {
            closed = true;
        } finally {
            submission.unlock();
        }
        for (Worker worker : workers) {
            LockSupport.unpark(worker);
        }
    }

    /** One call of {@link #run}: its tasks, which thread takes which, and how many are done. */
    private static final class Job {
        private final IntConsumer body;
        private final int tasks;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger finished = new AtomicInteger();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(IntConsumer body, int tasks) {
            this.body = body;
            this.tasks = tasks;
        }

        /** Takes and runs tasks until none is left. */
        void work() {
            for (int i = next.getAndIncrement(); i < tasks; i = next.getAndIncrement()) {
                try {
                    body.accept(i);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    finished.incrementAndGet();
                }
            }
        }

        void rethrowFailure() {
            Throwable t = failure.get();
            if (t instanceof RuntimeException e) {
                throw e;
            }
            if (t instanceof Error e) {
                throw e;
            }
            if (t != null) {
                throw new IllegalStateException("a task of a parallel kernel failed", t);
            }
        }
    }

    private final class Worker extends Thread {
        /** Set before parking and checked by {@link #run}, which unparks only parked workers. */
        volatile boolean parked;

        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        @Override
        public void run() {
            Job done = null;
            while (!closed) {
                Job job = current;
                if (job != null && job != done) {
                    job.work();
                    done = job;
                    continue;
                }
                awaitJob(done);
            }
        }

        /** Spins until a job other than {@code done} is posted, parking once it has spun {@link #SPIN_NANOS}. */
        private void awaitJob(Job done) {
            long start = System.nanoTime();
            for (int spins = 1; !closed; spins++) {
                Job job = current;
                if (job != null && job != done) {
                    return;
                }
                if ((spins & 0xFF) != 0 || System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                parked = true;
                job = current;
                if (job == null || job == done) {
                    LockSupport.park(this);
                }
                parked = false;
                start = System.nanoTime();
            }
        }
    }
}
