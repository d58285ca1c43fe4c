// Small admin helper for the native stack, compiled once by install-kafka.sh against the
// Kafka client jars and run by stack.sh. One JVM does what would otherwise take one
// kafka-topics invocation (and JVM start) per topic.
//
//   KafkaAdmin ready BOOTSTRAP TIMEOUT_SECONDS     wait until the cluster answers metadata
//   KafkaAdmin ensure-topics BOOTSTRAP FILE        create missing topics from topics.txt, grow
//                                                  partitions and set the declared configs
//   KafkaAdmin setup BOOTSTRAP TIMEOUT FILE        ready, then ensure-topics (one JVM start)
//   KafkaAdmin describe BOOTSTRAP                  print topics, partition counts, retention
//
// Exit codes: 0 ok, 1 failure (a broker that does not answer: one "error: ..." line on
// stderr, no stack trace), 2 usage.

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;

public final class KafkaAdmin {

  // configs: the topic-level settings declared as KEY=VALUE after the name (and the
  // optional partition count and RF), e.g. segment.ms=3600000.
  private record TopicSpec(String name, int partitions, short replicationFactor, Map<String, String> configs) {}

  private KafkaAdmin() {}

  public static void main(String[] args) throws Exception {
    try {
      run(args);
    } catch (IllegalArgumentException e) {
      // A malformed topics file: one line naming it, not a stack trace.
      System.err.println("error: " + e.getMessage());
      System.exit(2);
    }
  }

  private static void run(String[] args) throws Exception {
    if (args.length < 2) {
      usage();
    }
    String bootstrap = args[1];
    switch (args[0]) {
      case "ready" -> System.exit(ready(bootstrap, args.length > 2 ? Integer.parseInt(args[2]) : 30));
      case "ensure-topics" -> {
        if (args.length < 3) {
          usage();
        }
        System.exit(ensureTopics(bootstrap, Path.of(args[2])));
      }
      case "setup" -> {
        if (args.length < 4) {
          usage();
        }
        int timeout = Integer.parseInt(args[2]);
        int rc = ready(bootstrap, timeout);
        rc = rc != 0 ? rc : ensureTopics(bootstrap, Path.of(args[3]));
        System.exit(rc != 0 ? rc : warmGroupCoordinator(bootstrap, timeout));
      }
      case "describe" -> System.exit(describe(bootstrap));
      default -> usage();
    }
  }

  private static void usage() {
    System.err.println("usage: KafkaAdmin ready|ensure-topics|setup|describe BOOTSTRAP [TIMEOUT] [FILE]");
    System.exit(2);
  }

  // An admin call that failed or timed out (broker not running, still starting, a wrong
  // port): one line naming the command, the broker and the cause. Returns the exit code.
  private static int adminFailed(String command, String bootstrap, Exception e) {
    Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
    String message = cause.getMessage() != null ? cause.getMessage() : "no answer within the timeout";
    System.err.printf("error: %s: kafka at %s: %s: %s%n", command, bootstrap, cause.getClass().getSimpleName(), message);
    return 1;
  }

  private static Admin admin(String bootstrap, int timeoutMs) {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, "practicum-stack-admin");
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(timeoutMs));
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Integer.toString(timeoutMs));
    props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
    props.put(AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "500");
    return Admin.create(props);
  }

  // Ready means: a broker answers metadata, a controller is known, and the topic list can
  // be read (the metadata log has been replayed).
  private static int ready(String bootstrap, int timeoutSeconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    String lastError = "no answer";
    try (Admin admin = admin(bootstrap, 3000)) {
      while (System.nanoTime() < deadline) {
        try {
          DescribeClusterResult cluster = admin.describeCluster();
          int nodes = cluster.nodes().get(3, TimeUnit.SECONDS).size();
          boolean controller = cluster.controller().get(3, TimeUnit.SECONDS) != null;
          int topics = admin.listTopics().names().get(3, TimeUnit.SECONDS).size();
          if (nodes > 0 && controller) {
            System.out.printf("cluster %s: %d broker(s), %d topic(s)%n",
                cluster.clusterId().get(3, TimeUnit.SECONDS), nodes, topics);
            return 0;
          }
          lastError = "no broker or controller yet";
        } catch (ExecutionException | TimeoutException e) {
          lastError = String.valueOf(e.getCause() != null ? e.getCause() : e);
        }
        Thread.sleep(300);
      }
    }
    System.err.println("kafka not ready at " + bootstrap + ": " + lastError);
    return 1;
  }

  private static List<TopicSpec> readTopics(Path file) throws Exception {
    List<TopicSpec> specs = new ArrayList<>();
    for (String raw : Files.readAllLines(file)) {
      String line = raw.replaceFirst("#.*", "").trim();
      if (line.isEmpty()) {
        continue;
      }
      List<String> positional = new ArrayList<>();
      Map<String, String> configs = new LinkedHashMap<>();
      for (String part : line.split("\\s+")) {
        int eq = part.indexOf('=');
        if (eq > 0) {
          configs.put(part.substring(0, eq), part.substring(eq + 1));
        } else if (configs.isEmpty()) {
          positional.add(part);
        } else {
          throw new IllegalArgumentException(file + ": '" + raw.trim() + "': KEY=VALUE settings come last");
        }
      }
      int partitions;
      short rf;
      try {
        partitions = positional.size() > 1 ? Integer.parseInt(positional.get(1)) : 3;
        rf = positional.size() > 2 ? Short.parseShort(positional.get(2)) : 1;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(file + ": '" + raw.trim() + "': PARTITIONS and RF are integers");
      }
      if (positional.size() > 3) {
        throw new IllegalArgumentException(file + ": '" + raw.trim() + "': NAME [PARTITIONS] [RF] [KEY=VALUE ...]");
      }
      specs.add(new TopicSpec(positional.get(0), partitions, rf, configs));
    }
    return specs;
  }

  private static int ensureTopics(String bootstrap, Path file) throws Exception {
    List<TopicSpec> specs = readTopics(file);
    try (Admin admin = admin(bootstrap, 15000)) {
      Set<String> existing = admin.listTopics().names().get(15, TimeUnit.SECONDS);
      List<NewTopic> toCreate = new ArrayList<>();
      Map<String, NewPartitions> toGrow = new HashMap<>();
      List<String> present = new ArrayList<>();
      for (TopicSpec s : specs) {
        if (!existing.contains(s.name())) {
          toCreate.add(new NewTopic(s.name(), s.partitions(), s.replicationFactor()).configs(s.configs()));
        } else {
          present.add(s.name());
        }
      }
      if (!present.isEmpty()) {
        Map<String, TopicDescription> descriptions =
            admin.describeTopics(present).allTopicNames().get(15, TimeUnit.SECONDS);
        for (TopicSpec s : specs) {
          TopicDescription d = descriptions.get(s.name());
          // Partitions can only grow; a topic with more than declared is left alone.
          if (d != null && d.partitions().size() < s.partitions()) {
            toGrow.put(s.name(), NewPartitions.increaseTo(s.partitions()));
          }
        }
      }
      int failures = 0;
      if (!toCreate.isEmpty()) {
        CreateTopicsResult result = admin.createTopics(toCreate);
        for (NewTopic t : toCreate) {
          try {
            result.values().get(t.name()).get(15, TimeUnit.SECONDS);
            System.out.printf("created %s (%d partitions, RF %d)%s%n",
                t.name(), t.numPartitions(), t.replicationFactor(), settings(t.configs()));
          } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
              System.out.println("exists  " + t.name());
            } else {
              System.err.println("failed  " + t.name() + ": " + e.getCause());
              failures++;
            }
          }
        }
      }
      if (!toGrow.isEmpty()) {
        admin.createPartitions(toGrow).all().get(15, TimeUnit.SECONDS);
        toGrow.forEach((name, np) ->
            System.out.printf("grew    %s to %d partitions%n", name, np.totalCount()));
      }
      Map<String, Map<String, String>> changed = alignConfigs(admin, specs, present);
      for (String name : present) {
        if (changed.containsKey(name)) {
          System.out.printf("set     %s%s%n", name, settings(changed.get(name)));
        } else if (!toGrow.containsKey(name)) {
          System.out.println("exists  " + name);
        }
      }
      return failures == 0 ? 0 : 1;
    } catch (ExecutionException | TimeoutException e) {
      return adminFailed("ensure-topics", bootstrap, e);
    }
  }

  // A topic that already exists gets the declared settings it does not have yet (the file
  // is the source of truth, so a retention changed in topics.txt reaches an existing
  // broker at the next `stack.sh up`). Settings the file does not name are left alone.
  private static Map<String, Map<String, String>> alignConfigs(
      Admin admin, List<TopicSpec> specs, List<String> present) throws Exception {
    Map<String, Map<String, String>> changed = new TreeMap<>();
    List<ConfigResource> resources = new ArrayList<>();
    for (TopicSpec s : specs) {
      if (present.contains(s.name()) && !s.configs().isEmpty()) {
        resources.add(new ConfigResource(ConfigResource.Type.TOPIC, s.name()));
      }
    }
    if (resources.isEmpty()) {
      return changed;
    }
    Map<ConfigResource, Config> current = admin.describeConfigs(resources).all().get(15, TimeUnit.SECONDS);
    Map<ConfigResource, Collection<AlterConfigOp>> ops = new HashMap<>();
    for (TopicSpec s : specs) {
      ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, s.name());
      Config config = current.get(resource);
      if (config == null) {
        continue;
      }
      List<AlterConfigOp> topicOps = new ArrayList<>();
      Map<String, String> set = new LinkedHashMap<>();
      s.configs().forEach((key, value) -> {
        ConfigEntry entry = config.get(key);
        if (entry == null || !value.equals(entry.value())) {
          topicOps.add(new AlterConfigOp(new ConfigEntry(key, value), AlterConfigOp.OpType.SET));
          set.put(key, value);
        }
      });
      if (!topicOps.isEmpty()) {
        ops.put(resource, topicOps);
        changed.put(s.name(), set);
      }
    }
    if (!ops.isEmpty()) {
      try {
        admin.incrementalAlterConfigs(ops).all().get(15, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        // e.g. a misspelt setting: the broker names it.
        throw new IllegalArgumentException("could not set " + changed + ": " + e.getCause().getMessage());
      }
    }
    return changed;
  }

  private static String settings(Map<String, String> configs) {
    StringBuilder out = new StringBuilder();
    configs.forEach((key, value) -> out.append(' ').append(key).append('=').append(value));
    return out.toString();
  }

  // The first consumer group on a fresh cluster makes the broker create __consumer_offsets
  // and load its coordinator, during which clients see NOT_COORDINATOR / COORDINATOR_LOAD_
  // IN_PROGRESS and back off. Asking for a group's offsets once here moves that wait into
  // `stack.sh up` instead of the first test.
  private static int warmGroupCoordinator(String bootstrap, int timeoutSeconds)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    String lastError = "";
    try (Admin admin = admin(bootstrap, 5000)) {
      while (System.nanoTime() < deadline) {
        try {
          admin.listConsumerGroupOffsets("practicum-stack-warmup")
              .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
          System.out.println("group coordinator ready");
          return 0;
        } catch (ExecutionException | TimeoutException e) {
          lastError = String.valueOf(e.getCause() != null ? e.getCause() : e);
        }
        Thread.sleep(200);
      }
    }
    System.err.println("group coordinator not ready: " + lastError);
    return 1;
  }

  private static int describe(String bootstrap) throws Exception {
    try (Admin admin = admin(bootstrap, 10000)) {
      Set<String> names = admin.listTopics().names().get(10, TimeUnit.SECONDS);
      Map<String, TopicDescription> d =
          new TreeMap<>(admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS));
      List<ConfigResource> resources = new ArrayList<>();
      for (String name : d.keySet()) {
        resources.add(new ConfigResource(ConfigResource.Type.TOPIC, name));
      }
      Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(10, TimeUnit.SECONDS);
      for (TopicDescription t : d.values()) {
        Config c = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, t.name()));
        System.out.printf("%-40s partitions=%d rf=%d retention.ms=%s segment.ms=%s%n", t.name(),
            t.partitions().size(), t.partitions().isEmpty() ? 0 : t.partitions().get(0).replicas().size(),
            value(c, "retention.ms"), value(c, "segment.ms"));
      }
      return 0;
    } catch (ExecutionException | TimeoutException e) {
      return adminFailed("describe", bootstrap, e);
    }
  }

  private static String value(Config config, String key) {
    ConfigEntry entry = config == null ? null : config.get(key);
    return entry == null ? "?" : entry.value();
  }
}
