// Small admin helper for the native stack, compiled once by install-kafka.sh against the
// Kafka client jars and run by stack.sh. One JVM does what would otherwise take one
// kafka-topics invocation (and JVM start) per topic.
//
//   KafkaAdmin ready BOOTSTRAP TIMEOUT_SECONDS     wait until the cluster answers metadata
//   KafkaAdmin ensure-topics BOOTSTRAP FILE        create missing topics from topics.txt
//   KafkaAdmin setup BOOTSTRAP TIMEOUT FILE        ready, then ensure-topics (one JVM start)
//   KafkaAdmin describe BOOTSTRAP                  print topics and partition counts
//
// Exit codes: 0 ok, 1 failure, 2 usage.

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;

public final class KafkaAdmin {

  private record TopicSpec(String name, int partitions, short replicationFactor) {}

  private KafkaAdmin() {}

  public static void main(String[] args) throws Exception {
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
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
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
      String[] parts = line.split("\\s+");
      int partitions = parts.length > 1 ? Integer.parseInt(parts[1]) : 3;
      short rf = parts.length > 2 ? Short.parseShort(parts[2]) : 1;
      specs.add(new TopicSpec(parts[0], partitions, rf));
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
          toCreate.add(new NewTopic(s.name(), s.partitions(), s.replicationFactor()));
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
            System.out.printf("created %s (%d partitions, RF %d)%n",
                t.name(), t.numPartitions(), t.replicationFactor());
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
      for (String name : present) {
        if (!toGrow.containsKey(name)) {
          System.out.println("exists  " + name);
        }
      }
      return failures == 0 ? 0 : 1;
    }
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
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
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
      for (TopicDescription t : d.values()) {
        System.out.printf("%-40s partitions=%d rf=%d%n", t.name(), t.partitions().size(),
            t.partitions().isEmpty() ? 0 : t.partitions().get(0).replicas().size());
      }
      return 0;
    }
  }
}
