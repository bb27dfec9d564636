package dev.listenseq.flink;

import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.ConfigConstants;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.HistogramStatistics;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Flink metric reporter for jobs running in this JVM (the demo's MiniCluster, tests): it keeps
 * the job's own {@link JobMetrics} per job id so the demo's live view and the tests can read them.
 *
 * <p>Per operator subtask it keeps the newest attempt's metric only, and keeps a counter's last
 * value after its task ends, so after a restart the figures describe the running attempt and after
 * a bounded job they describe the finished one.
 */
public final class InProcessMetrics implements MetricReporter {

    private static final String NAME = "inprocess";
    private static final Map<String, Map<String, Series>> BY_JOB = new ConcurrentHashMap<>();

    /** Registers the reporter in a cluster configuration. */
    public static void addTo(Configuration configuration) {
        configuration.setString(ConfigConstants.METRICS_REPORTER_PREFIX + NAME + "."
                + MetricOptions.REPORTER_FACTORY_CLASS.key(), Factory.class.getName());
    }

    /** The job's counters: every counter summed over subtasks, dead letters also by reason. */
    public static JobCounters counters(JobID job) {
        Map<String, Long> sums = new TreeMap<>();
        for (Series s : BY_JOB.getOrDefault(job.toHexString(), Map.of()).values()) {
            if (s.metric instanceof Counter) {
                sums.merge(s.label, s.count(), Long::sum);
            }
        }
        return new JobCounters(sums);
    }

    /** Statistics of a histogram, one per subtask. */
    public static List<HistogramStatistics> histograms(JobID job, String name) {
        List<HistogramStatistics> result = new ArrayList<>();
        for (Series s : BY_JOB.getOrDefault(job.toHexString(), Map.of()).values()) {
            if (s.label.equals(name) && s.metric instanceof Histogram) {
                result.add(((Histogram) s.metric).getStatistics());
            }
        }
        return result;
    }

    @Override
    public void open(MetricConfig config) {
    }

    @Override
    public void close() {
    }

    @Override
    public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
        Map<String, String> vars = group.getAllVariables();
        String job = vars.get("<job_id>");
        if (job == null || !Arrays.asList(group.getScopeComponents()).contains(JobMetrics.GROUP)) {
            return;
        }
        Series series = new Series(label(name, vars), attempt(vars), metric);
        BY_JOB.computeIfAbsent(job, j -> new ConcurrentHashMap<>())
                .merge(seriesKey(series.label, vars), series, (old, neu) -> neu.attempt >= old.attempt ? neu : old);
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
        Map<String, String> vars = group.getAllVariables();
        String jobId = vars.get("<job_id>");
        Map<String, Series> job = jobId == null ? null : BY_JOB.get(jobId);
        Series series = job == null ? null : job.get(seriesKey(label(name, vars), vars));
        if (series != null && series.metric == metric) {
            series.freeze();
        }
    }

    private static String label(String name, Map<String, String> vars) {
        String reason = vars.get("<" + JobMetrics.REASON + ">");
        return reason == null ? name : name + "{" + JobMetrics.REASON + "=" + reason + "}";
    }

    private static String seriesKey(String label, Map<String, String> vars) {
        return vars.get("<operator_id>") + "/" + vars.get("<subtask_index>") + "/" + label;
    }

    private static int attempt(Map<String, String> vars) {
        String attempt = vars.get("<task_attempt_num>");
        return attempt == null ? 0 : Integer.parseInt(attempt);
    }

    private static final class Series {
        final String label;
        final int attempt;
        final Metric metric;
        volatile Long frozen;

        Series(String label, int attempt, Metric metric) {
            this.label = label;
            this.attempt = attempt;
            this.metric = metric;
        }

        long count() {
            Long f = frozen;
            return f != null ? f : ((Counter) metric).getCount();
        }

        void freeze() {
            if (metric instanceof Counter) {
                frozen = ((Counter) metric).getCount();
            }
        }
    }

    /** Creates the reporter; Flink instantiates it by class name from the configuration. */
    public static final class Factory implements MetricReporterFactory {
        @Override
        public MetricReporter createMetricReporter(Properties properties) {
            return new InProcessMetrics();
        }
    }
}
