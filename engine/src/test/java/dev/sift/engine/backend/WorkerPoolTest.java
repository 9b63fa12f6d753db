package dev.sift.engine.backend;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class WorkerPoolTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 8})
    void runsEveryTaskExactlyOnceJobAfterJob(int threads) {
        try (WorkerPool pool = new WorkerPool(threads)) {
            for (int tasks : new int[] {0, 1, 2, 7, 64, 1000}) {
                for (int job = 0; job < 50; job++) {
                    AtomicIntegerArray runs = new AtomicIntegerArray(tasks);
                    pool.run(tasks, runs::incrementAndGet);
                    for (int i = 0; i < tasks; i++) {
                        assertThat(runs.get(i)).as("task %d of %d, job %d", i, tasks, job).isEqualTo(1);
                    }
                }
            }
        }
    }

    @Test
    void moreThreadsThanProcessorsStillFinishEveryJob() {
        try (WorkerPool pool = new WorkerPool(4 * Runtime.getRuntime().availableProcessors() + 1)) {
            for (int job = 0; job < 200; job++) {
                AtomicIntegerArray runs = new AtomicIntegerArray(37);
                pool.run(37, i -> {
                    long until = System.nanoTime() + 20_000;
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                    runs.incrementAndGet(i);
                });
                for (int i = 0; i < 37; i++) {
                    assertThat(runs.get(i)).isEqualTo(1);
                }
            }
        }
    }

    @Test
    void theWorkersTakeTasksTooAndStillDoAfterParking() throws InterruptedException {
        try (WorkerPool pool = new WorkerPool(3)) {
            assertThat(threadsThatRan(pool)).hasSizeGreaterThan(1);
            Thread.sleep(50); // far past the spin: the workers park
            assertThat(threadsThatRan(pool)).hasSizeGreaterThan(1);
        }
    }

    /** The threads that ran tasks of one job whose tasks each wait until every thread could have joined. */
    private static Set<String> threadsThatRan(WorkerPool pool) {
        Set<String> names = ConcurrentHashMap.newKeySet();
        pool.run(64, i -> {
            names.add(Thread.currentThread().getName());
            long until = System.nanoTime() + 2_000_000;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
        });
        return names;
    }

    @Test
    void aFailingTaskFailsTheJobAfterTheOthersRanAndThePoolGoesOn() {
        try (WorkerPool pool = new WorkerPool(2)) {
            AtomicIntegerArray runs = new AtomicIntegerArray(100);
            assertThatThrownBy(() -> pool.run(100, i -> {
                runs.incrementAndGet(i);
                if (i == 37) {
                    throw new IllegalArgumentException("task 37 fails");
                }
            })).isInstanceOf(IllegalArgumentException.class).hasMessage("task 37 fails");
            for (int i = 0; i < 100; i++) {
                assertThat(runs.get(i)).isEqualTo(1);
            }
            AtomicIntegerArray again = new AtomicIntegerArray(10);
            pool.run(10, again::incrementAndGet);
            assertThat(again.toString()).isEqualTo("[1, 1, 1, 1, 1, 1, 1, 1, 1, 1]");
        }
    }

    @Test
    void aTaskThatStartsAJobRunsItsTasksItself() {
        try (WorkerPool pool = new WorkerPool(2)) {
            AtomicIntegerArray runs = new AtomicIntegerArray(8 * 8);
            pool.run(8, outer -> pool.run(8, inner -> runs.incrementAndGet(outer * 8 + inner)));
            for (int i = 0; i < 64; i++) {
                assertThat(runs.get(i)).isEqualTo(1);
            }
        }
    }

    @Test
    void jobsFromSeveralThreadsRunOneAfterAnother() throws InterruptedException {
        try (WorkerPool pool = new WorkerPool(2)) {
            int callers = 4;
            int tasks = 500;
            AtomicIntegerArray runs = new AtomicIntegerArray(callers * tasks);
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            List<Throwable> failures = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                int caller = c;
                Thread thread = new Thread(() -> {
                    try {
                        start.await();
                        for (int job = 0; job < 20; job++) {
                            pool.run(tasks, i -> runs.incrementAndGet(caller * tasks + i));
                        }
                    } catch (Throwable t) {
                        synchronized (failures) {
                            failures.add(t);
                        }
                    }
                });
                thread.start();
                threads.add(thread);
            }
            start.countDown();
            for (Thread thread : threads) {
                thread.join();
            }
            assertThat(failures).isEmpty();
            for (int i = 0; i < callers * tasks; i++) {
                assertThat(runs.get(i)).isEqualTo(20);
            }
        }
    }

    @Test
    void aClosedPoolRefusesJobsAndItsWorkersEnd() throws InterruptedException {
        WorkerPool pool = new WorkerPool(3);
        List<String> workers = pool.workerNames();
        assertThat(workers).hasSize(2);
        pool.run(10, i -> { });
        pool.close();
        assertThatThrownBy(() -> pool.run(10, i -> { }))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (Thread.getAllStackTraces().keySet().stream().anyMatch(t -> workers.contains(t.getName()))
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> workers.contains(t.getName()));
    }

    @Test
    void needsAThread() {
        assertThatThrownBy(() -> new WorkerPool(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 0");
    }
}
