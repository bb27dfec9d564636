package dev.listenseq.flink;

import org.apache.flink.api.common.JobID;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class InProcessMetricsTest {

    private final InProcessMetrics reporter = new InProcessMetrics();
    private final JobID job = new JobID();

    /** A metric group as Flink hands it to reporters: scope components and variables. */
    private MetricGroup group(int subtask, int attempt, String reason) {
        Map<String, String> vars = new HashMap<>();
        vars.put("<job_id>", job.toHexString());
        vars.put("<operator_id>", "op");
        vars.put("<subtask_index>", String.valueOf(subtask));
        vars.put("<task_attempt_num>", String.valueOf(attempt));
        if (reason != null) {
            vars.put("<reason>", reason);
        }
        return new UnregisteredMetricsGroup() {
            @Override
            public Map<String, String> getAllVariables() {
                return vars;
            }

            @Override
            public String[] getScopeComponents() {
                return reason == null ? new String[] {"job", JobMetrics.GROUP} : new String[] {"job", JobMetrics.GROUP, "reason", reason};
            }
        };
    }

    private static SimpleCounter counter(long count) {
        SimpleCounter c = new SimpleCounter();
        c.inc(count);
        return c;
    }

    @Test
    void sumsSubtasksKeepsTheNewestAttemptAndFreezesRemovedCounters() {
        reporter.notifyOfAddedMetric(counter(5), JobMetrics.RECORDS_IN, group(0, 0, null));
        reporter.notifyOfAddedMetric(counter(7), JobMetrics.RECORDS_IN, group(1, 0, null));
        assertEquals(12, InProcessMetrics.counters(job).recordsIn());

        SimpleCounter restarted = counter(2);
        reporter.notifyOfAddedMetric(restarted, JobMetrics.RECORDS_IN, group(0, 1, null));
        assertEquals(9, InProcessMetrics.counters(job).recordsIn(), "attempt 1 replaces attempt 0 of subtask 0");

        reporter.notifyOfRemovedMetric(restarted, JobMetrics.RECORDS_IN, group(0, 1, null));
        restarted.inc(100);
        assertEquals(9, InProcessMetrics.counters(job).recordsIn(), "a finished task's count is kept as it was");
    }

    @Test
    void labelsDeadLettersByReason() {
        reporter.notifyOfAddedMetric(counter(3), JobMetrics.DEAD_LETTERED, group(0, 0, "UNDECODABLE"));
        reporter.notifyOfAddedMetric(counter(0), JobMetrics.DEAD_LETTERED, group(0, 0, "UNKNOWN_TYPE"));
        reporter.notifyOfAddedMetric(counter(4), JobMetrics.DEAD_LETTERED, group(1, 0, "UNDECODABLE"));
        assertEquals(Map.of("UNDECODABLE", 7L), InProcessMetrics.counters(job).deadLetteredByReason());
        assertEquals(7, InProcessMetrics.counters(job).deadLettered());
    }

    @Test
    void ignoresMetricsOutsideJobs() {
        MetricGroup jvm = new UnregisteredMetricsGroup();
        reporter.notifyOfAddedMetric(counter(1), "Count", jvm);
        reporter.notifyOfRemovedMetric(counter(1), "Count", jvm);
        assertEquals(0, InProcessMetrics.counters(job).recordsIn());
    }
}
