package dev.listenseq.it;

import dev.listenseq.config.JobConfig;
import dev.listenseq.config.Settings;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.FallbackKey;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.metrics.reporter.MetricReporterFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.w3c.dom.Document;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.File;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/ against what the build really produces (runs after {@code package}): the Dockerfile's base
 * image matches our Flink and Java versions and copies the jar and job files that exist; every
 * manifest parses, names that image, the jar path the image has, an entry class that is the jar's
 * main class, and a job file that exists and whose settings, with the manifest's arguments, pass the
 * job's own validation; every Flink option they set is an option of Flink 2.2 (collected from
 * Flink's {@code *Options} classes on this classpath) with a value Flink can parse.
 */
class DeployManifestIT {

    private static final Path DEPLOY = Path.of("deploy");
    private static final Path JOB_JAR = Path.of("target", "listenseq-job.jar");
    private static final String USRLIB = "/opt/flink/usrlib/";
    private static final Pattern REPORTER_KEY = Pattern.compile("metrics\\.reporter\\.([^.]+)\\.(.+)");

    private static String flinkVersion;
    private static String javaRelease;
    private static String image;
    /** Every key of a Flink ConfigOption on the classpath (with fallback and deprecated keys), to its option. */
    private static final Map<String, ConfigOption<?>> FLINK_OPTIONS = new HashMap<>();

    @BeforeAll
    static void readBuild() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new File("pom.xml"));
        flinkVersion = pom.getElementsByTagName("flink.version").item(0).getTextContent().trim();
        javaRelease = pom.getElementsByTagName("maven.compiler.release").item(0).getTextContent().trim();
        String version = pom.getDocumentElement().getElementsByTagName("version").item(0).getTextContent().trim();
        image = "listenseq:" + version;
        collectFlinkOptions();
    }

    /** Reflectively reads every static ConfigOption of every org.apache.flink *Options class in Flink's jars. */
    private static void collectFlinkOptions() throws Exception {
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            if (!name.startsWith("flink-") || !name.endsWith(".jar")) {
                continue;
            }
            try (JarFile jar = new JarFile(entry)) {
                for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                    String path = e.nextElement().getName();
                    if (path.startsWith("org/apache/flink/") && path.endsWith("Options.class") && !path.contains("$")) {
                        addOptions(path.substring(0, path.length() - ".class".length()).replace('/', '.'));
                    }
                }
            }
        }
        assertTrue(FLINK_OPTIONS.size() > 500, "Flink's options were found: " + FLINK_OPTIONS.size());
    }

    private static void addOptions(String className) {
        Class<?> type;
        try {
            type = Class.forName(className, true, DeployManifestIT.class.getClassLoader());
        } catch (Throwable e) {
            return; // a class whose dependencies this classpath lacks holds no option we set
        }
        for (Field field : type.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers()) && ConfigOption.class.isAssignableFrom(field.getType())) {
                try {
                    field.setAccessible(true);
                    ConfigOption<?> option = (ConfigOption<?>) field.get(null);
                    FLINK_OPTIONS.put(option.key(), option);
                    for (FallbackKey fallback : option.fallbackKeys()) {
                        FLINK_OPTIONS.put(fallback.getKey(), option);
                    }
                } catch (ReflectiveOperationException | RuntimeException e) {
                    // not readable: skip
                }
            }
        }
    }

    @Test
    void theDockerfileBuildsOnTheOfficialImageForOurVersionsFromFilesTheBuildMakes() throws Exception {
        String dockerfile = Files.readString(DEPLOY.resolve("Dockerfile"));
        Matcher from = Pattern.compile("(?m)^FROM (\\S+)$").matcher(dockerfile);
        assertTrue(from.find(), "FROM line");
        assertEquals("flink:" + flinkVersion + "-scala_2.12-java" + javaRelease, from.group(1));
        assertTrue(dockerfile.contains("-t " + image + " "), "the documented build command tags " + image);

        Map<String, String> copies = new LinkedHashMap<>();
        Matcher copy = Pattern.compile("(?m)^COPY (?:--chown=\\S+ )?(\\S+) (\\S+)$").matcher(dockerfile);
        while (copy.find()) {
            copies.put(copy.group(1), copy.group(2));
        }
        assertEquals(USRLIB + "listenseq-job.jar", copies.get(JOB_JAR.toString()), "the job jar goes to usrlib/");
        assertEquals(USRLIB + "jobs/", copies.get("jobs/"), "the job files go to usrlib/jobs/");
        for (String source : copies.keySet()) {
            assertTrue(Files.exists(Path.of(source)), source + " exists after the build");
        }
    }

    @Test
    void theJobJarHoldsTheJobAndItsConnectorButNotFlinkOrLogging() throws Exception {
        try (JarFile jar = new JarFile(JOB_JAR.toFile())) {
            assertEquals("dev.listenseq.app.Main", jar.getManifest().getMainAttributes().getValue("Main-Class"));
            for (String needed : List.of("dev/listenseq/app/Main.class", "jobs/streaming.properties",
                    "org/apache/flink/connector/kafka/sink/KafkaSink.class",
                    "org/apache/kafka/clients/producer/KafkaProducer.class", "org/apache/avro/Schema.class",
                    "org/apache/flink/formats/avro/typeutils/AvroSerializer.class", "schemas/UserSequence-v1.avsc")) {
                assertNotNull(jar.getJarEntry(needed), "the job jar holds " + needed);
            }
            List<String> unwanted = new ArrayList<>();
            for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                if (name.startsWith("org/apache/flink/runtime/") || name.startsWith("org/apache/flink/streaming/api/")
                        || name.startsWith("org/apache/logging/") || name.startsWith("org/slf4j/")
                        || name.startsWith("org/rocksdb/") || name.startsWith("scala/")
                        || (name.startsWith("kafka/") && name.endsWith(".class"))
                        || name.matches("META-INF/[^/]+\\.(SF|DSA|RSA)") || name.equals("log4j2.properties")) {
                    unwanted.add(name);
                }
            }
            assertEquals(List.of(), unwanted.subList(0, Math.min(20, unwanted.size())),
                    "the cluster provides Flink, RocksDB and logging; signatures would break the jar");
            String services = new String(jar.getInputStream(jar.getJarEntry(
                    "META-INF/services/org.apache.flink.table.factories.Factory")).readAllBytes());
            assertTrue(services.contains("KafkaDynamicTableFactory"), "the connector's service files are kept");
        }
    }

    /** The tools of src/tools (benchmarks, Kafka Streams baseline, local cluster) stay out of what the job runs on. */
    @Test
    void theJobsRuntimeClasspathAndJarHoldNoToolsAndNoSecondRocksDb() throws Exception {
        List<String> runtime = List.of(Files.readString(Path.of("target", "classpath.txt")).trim().split(File.pathSeparator));
        List<String> unwantedJars = runtime.stream().map(entry -> Path.of(entry).getFileName().toString())
                .filter(name -> name.startsWith("kafka-streams") || name.startsWith("rocksdbjni") || name.startsWith("jmh-"))
                .toList();
        assertEquals(List.of(), unwantedJars, "target/classpath.txt is the job's runtime classpath");
        assertTrue(runtime.stream().anyMatch(entry -> entry.contains("frocksdbjni")), "Flink's RocksDB stays");
        List<String> unwantedClasses = new ArrayList<>();
        try (JarFile jar = new JarFile(JOB_JAR.toFile())) {
            for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                if (name.startsWith("org/apache/kafka/streams/") || name.startsWith("dev/listenseq/bench/")
                        || name.startsWith("dev/listenseq/kstreams/") || name.startsWith("dev/listenseq/cluster/")
                        || name.startsWith("dev/listenseq/tools/") || name.startsWith("dev/listenseq/jmh/")) {
                    unwantedClasses.add(name);
                }
            }
        }
        assertEquals(List.of(), unwantedClasses.subList(0, Math.min(20, unwantedClasses.size())),
                "the job jar holds no development tools");
    }

    @Test
    void theStreamingDeploymentMatchesTheBuildAndTheJob() throws Exception {
        Map<String, Object> spec = flinkDeployment("listenseq-streaming.yaml");
        Map<String, Object> job = map(spec.get("job"));
        assertEquals("savepoint", job.get("upgradeMode"));
        List<String> args = strings(job.get("args"));
        assertEquals("stream", args.get(0));
        JobConfig config = JobConfig.from(Settings.load("streaming", localJobFile(args.subList(1, args.size()))));
        Map<String, String> flink = strings(map(spec.get("flinkConfiguration")));
        assertEquals(String.valueOf(config.parallelism()), String.valueOf(job.get("parallelism")),
                "job.parallelism and --parallelism agree (the job's setting wins on the cluster)");
        assertEquals(String.valueOf(config.maxParallelism()), flink.get("pipeline.max-parallelism"), "max parallelism pinned");
        assertEquals(config.checkpointDir(), flink.get("execution.checkpointing.dir"));
        assertEquals(config.savepointDir(), flink.get("execution.checkpointing.savepoint-dir"));
        assertEquals("rocksdb", flink.get("state.backend.type"));
        assertEquals("true", flink.get("execution.checkpointing.incremental"));
        assertTrue(flink.get("execution.checkpointing.dir").startsWith("s3://"), "durable checkpoint storage");
        assertTrue(flink.containsKey("restart-strategy.type"), "a restart strategy");
        assertTrue(map(spec.get("taskManager")).containsKey("resource") && map(spec.get("jobManager")).containsKey("resource"));
    }

    @Test
    void theBackfillDeploymentIsBoundedAndStateless() throws Exception {
        Map<String, Object> spec = flinkDeployment("listenseq-backfill.yaml");
        Map<String, Object> job = map(spec.get("job"));
        assertEquals("stateless", job.get("upgradeMode"));
        List<String> args = strings(job.get("args"));
        assertEquals("backfill", args.get(0));
        // The backfill manifest runs the backfill command with jobs/backfill.properties; it must exist in the repo.
        JobConfig config = JobConfig.from(Settings.load("backfill", localJobFile(args.subList(1, args.size()))));
        assertEquals(String.valueOf(config.parallelism()), String.valueOf(job.get("parallelism")));
        assertEquals(String.valueOf(config.maxParallelism()),
                strings(map(spec.get("flinkConfiguration"))).get("pipeline.max-parallelism"));
    }

    /** Common to both deployments: kind, image, Flink version, jar, entry class, Flink options, metrics. */
    private static Map<String, Object> flinkDeployment(String file) throws Exception {
        List<Object> docs = yaml(DEPLOY.resolve("k8s").resolve(file));
        assertEquals(1, docs.size(), file);
        Map<String, Object> doc = map(docs.get(0));
        assertEquals("flink.apache.org/v1beta1", doc.get("apiVersion"));
        assertEquals("FlinkDeployment", doc.get("kind"));
        Map<String, Object> spec = map(doc.get("spec"));
        assertEquals(image, spec.get("image"), file + " runs the image the Dockerfile builds");
        String[] version = flinkVersion.split("\\.");
        assertEquals("v" + version[0] + "_" + version[1], spec.get("flinkVersion"));
        Map<String, Object> job = map(spec.get("job"));
        assertEquals("local://" + USRLIB + JOB_JAR.getFileName(), job.get("jarURI"), "the jar path in the image");
        try (JarFile jar = new JarFile(JOB_JAR.toFile())) {
            assertEquals(job.get("entryClass"), jar.getManifest().getMainAttributes().getValue("Main-Class"));
            String jobFile = jobFileArg(strings(job.get("args")));
            assertNotNull(jar.getJarEntry(jobFile.substring(USRLIB.length())), jobFile + " is bundled in the jar too");
        }
        Map<String, String> flink = strings(map(spec.get("flinkConfiguration")));
        checkFlinkOptions(file, flink);
        assertEquals("true", map(map(map(spec.get("podTemplate")).get("metadata")).get("annotations")).get("prometheus.io/scrape"));
        assertEquals(flink.get("metrics.reporter.prom.port"), String.valueOf(
                map(map(map(spec.get("podTemplate")).get("metadata")).get("annotations")).get("prometheus.io/port")));
        String plugins = podEnv(spec).get("ENABLE_BUILT_IN_PLUGINS");
        assertEquals("flink-s3-fs-presto-" + flinkVersion + ".jar", plugins, "the S3 plugin of our Flink version");
        return spec;
    }

    @Test
    void theComposeClusterRunsTheJobWithPrometheus() throws Exception {
        Map<String, Object> compose = map(yaml(DEPLOY.resolve("docker-compose.yml")).get(0));
        Map<String, Object> services = map(compose.get("services"));
        assertEquals(Set.of("kafka", "jobmanager", "taskmanager", "prometheus"), services.keySet());
        assertTrue(String.valueOf(map(services.get("kafka")).get("image")).startsWith("apache/kafka:4.2."),
                "Kafka 4.2, the clients' version");
        Map<String, Object> jobmanager = map(services.get("jobmanager"));
        assertEquals(image, jobmanager.get("image"));
        assertEquals("deploy/Dockerfile", map(jobmanager.get("build")).get("dockerfile"));
        assertEquals(image, map(services.get("taskmanager")).get("image"));
        assertEquals(2, map(map(services.get("taskmanager")).get("deploy")).get("replicas"));
        List<String> command = strings(jobmanager.get("command"));
        assertEquals(List.of("standalone-job", "--job-classname", "dev.listenseq.app.Main", "stream"), command.subList(0, 4));
        JobConfig config = JobConfig.from(Settings.load("streaming", localJobFile(command.subList(4, command.size()))));

        for (String service : List.of("jobmanager", "taskmanager")) {
            String properties = String.valueOf(map(map(services.get(service)).get("environment")).get("FLINK_PROPERTIES"));
            Map<String, String> flink = strings(map(new Load(LoadSettings.builder().build()).loadFromString(properties)));
            checkFlinkOptions("docker-compose.yml " + service, flink);
            assertEquals(config.checkpointDir(), flink.get("execution.checkpointing.dir"));
            assertEquals("9249", flink.get("metrics.reporter.prom.port"));
        }
        Map<String, Object> prometheus = map(yaml(DEPLOY.resolve("prometheus.yml")).get(0));
        String targets = prometheus.get("scrape_configs").toString();
        assertTrue(targets.contains("jobmanager:9249") && targets.contains("taskmanager") && targets.contains("9249"), targets);
        Map<String, Object> rules = map(yaml(DEPLOY.resolve("prometheus-rules.yml")).get(0));
        assertFalse(strings(rules.get("groups")).isEmpty());
    }

    /** Every key is a Flink 2.2 option (or an argument of the reporter it configures) and its value parses. */
    private static void checkFlinkOptions(String where, Map<String, String> flink) throws Exception {
        Configuration configuration = Configuration.fromMap(flink);
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, String> e : flink.entrySet()) {
            ConfigOption<?> option = FLINK_OPTIONS.get(e.getKey());
            Matcher reporter = REPORTER_KEY.matcher(e.getKey());
            if (option != null) {
                configuration.get(option); // throws if the value does not parse
            } else if (reporter.matches()) {
                checkReporterKey(flink, reporter.group(1), reporter.group(2), unknown);
            } else {
                unknown.add(e.getKey());
            }
        }
        assertEquals(List.of(), unknown, where + ": keys that are not options of Flink " + flinkVersion);
    }

    /** metrics.reporter.NAME.KEY: a generic reporter option, or an argument the reporter's factory reads. */
    private static void checkReporterKey(Map<String, String> flink, String name, String key, List<String> unknown)
            throws Exception {
        String factoryKey = MetricOptions.REPORTER_FACTORY_CLASS.key();
        String factoryName = flink.get("metrics.reporter." + name + "." + factoryKey);
        assertNotNull(factoryName, "reporter " + name + " has a " + factoryKey);
        Class<?> factory = Class.forName(factoryName);
        assertTrue(MetricReporterFactory.class.isAssignableFrom(factory), factoryName + " is a MetricReporterFactory");
        Set<String> known = new TreeSet<>(List.of(factoryKey, MetricOptions.REPORTER_INTERVAL.key(),
                MetricOptions.REPORTER_SCOPE_DELIMITER.key(), MetricOptions.REPORTER_INCLUDES.key(),
                MetricOptions.REPORTER_EXCLUDES.key(), MetricOptions.REPORTER_ADDITIONAL_VARIABLES.key(),
                MetricOptions.REPORTER_EXCLUDED_VARIABLES.key()));
        for (Field field : factory.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
                field.setAccessible(true);
                known.add((String) field.get(null));
            }
        }
        if (!known.contains(key)) {
            unknown.add("metrics.reporter." + name + "." + key);
        }
    }

    /** The arguments with the image's job file path swapped for this checkout's copy of it. */
    private static List<String> localJobFile(List<String> args) {
        String jobFile = jobFileArg(args);
        Path local = Path.of(jobFile.substring(USRLIB.length()));
        assertTrue(Files.isRegularFile(local), jobFile + " is " + local + " in this repository");
        List<String> result = new ArrayList<>(args);
        result.set(result.indexOf("--job") + 1, local.toString());
        return result;
    }

    private static String jobFileArg(List<String> args) {
        int i = args.indexOf("--job");
        assertTrue(i >= 0 && i + 1 < args.size(), "--job names the job file: " + args);
        String jobFile = args.get(i + 1);
        assertTrue(jobFile.startsWith(USRLIB + "jobs/"), jobFile + " lies where the Dockerfile puts job files");
        return jobFile;
    }

    private static Map<String, String> podEnv(Map<String, Object> spec) {
        Map<String, String> env = new HashMap<>();
        for (Object container : (List<?>) map(map(spec.get("podTemplate")).get("spec")).get("containers")) {
            for (Object variable : (List<?>) map(container).get("env")) {
                env.put(String.valueOf(map(variable).get("name")), String.valueOf(map(variable).get("value")));
            }
        }
        return env;
    }

    private static List<Object> yaml(Path file) throws Exception {
        List<Object> docs = new ArrayList<>();
        new Load(LoadSettings.builder().build()).loadAllFromString(Files.readString(file)).forEach(docs::add);
        assertFalse(docs.isEmpty(), file + " is empty");
        return docs;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        assertTrue(o instanceof Map, "expected a mapping, got " + o);
        return (Map<String, Object>) o;
    }

    private static Map<String, String> strings(Map<String, Object> m) {
        Map<String, String> result = new LinkedHashMap<>();
        m.forEach((k, v) -> result.put(k, String.valueOf(v)));
        return result;
    }

    private static List<String> strings(Object o) {
        assertTrue(o instanceof List, "expected a list, got " + o);
        return ((List<?>) o).stream().map(String::valueOf).toList();
    }
}
