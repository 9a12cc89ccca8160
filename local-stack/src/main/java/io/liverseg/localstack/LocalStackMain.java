package io.liverseg.localstack;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Runs a {@link LocalStack} until Ctrl-C or SIGTERM, printing one {@code name value} line per endpoint:
 *
 * <pre>
 * kafka 127.0.0.1:PORT
 * s3 http://127.0.0.1:PORT
 * s3-access-key KEY
 * s3-secret-key SECRET
 * data-dir PATH
 * </pre>
 *
 * <p>Options: {@code --data-dir DIR} (kept; default a temporary folder deleted on exit), {@code --kafka-port N},
 * {@code --s3-port N}, {@code --no-kafka}, {@code --no-s3}, {@code --topic NAME[:PARTITIONS]} and
 * {@code --bucket NAME} (both repeatable), {@code --start-timeout SECONDS}. Exits with 1 if a server dies.
 */
public final class LocalStackMain {

    private LocalStackMain() {
    }

    /**
     * Starts the stack and blocks until this JVM is told to stop.
     *
     * @param args see the class description
     */
    public static void main(String[] args) throws InterruptedException {
        LocalStack.Options options;
        try {
            Optional<LocalStack.Options> parsed = parse(args);
            if (parsed.isEmpty()) {
                usage(System.out);
                return;
            }
            options = parsed.get();
        } catch (IllegalArgumentException e) {
            System.err.println("local-stack: " + e.getMessage());
            usage(System.err);
            System.exit(2);
            return;
        }
        LocalStack stack;
        try {
            stack = LocalStack.start(options);
        } catch (IOException e) {
            System.err.println("local-stack: " + e.getMessage());
            System.exit(1);
            return;
        }
        // LocalStack's own shutdown hook stops both servers on Ctrl-C / SIGTERM.
        endpoints(stack).forEach(System.out::println);
        System.out.flush();

        List<CompletableFuture<ProcessHandle>> exits = new ArrayList<>();
        stack.kafkaProcess().ifPresent(p -> exits.add(p.onExit()));
        stack.s3Process().ifPresent(p -> exits.add(p.onExit()));
        CompletableFuture.anyOf(exits.toArray(CompletableFuture[]::new)).join();
        if (!stack.isClosed()) {
            System.err.println("local-stack: a server exited unexpectedly; see the logs under " + stack.dataDir());
            stack.close();
            System.exit(1);
        }
    }

    /** The lines printed once the stack is ready. */
    static List<String> endpoints(LocalStack stack) {
        List<String> lines = new ArrayList<>();
        if (stack.kafkaProcess().isPresent()) {
            lines.add("kafka " + stack.kafkaBootstrapServers());
        }
        if (stack.s3Process().isPresent()) {
            lines.add("s3 " + stack.s3Endpoint());
            lines.add("s3-access-key " + stack.s3AccessKey());
            lines.add("s3-secret-key " + stack.s3SecretKey());
        }
        lines.add("data-dir " + stack.dataDir());
        return lines;
    }

    /** The options {@code args} ask for; empty for {@code --help}. */
    static Optional<LocalStack.Options> parse(String[] args) {
        LocalStack.Options options = LocalStack.Options.defaults();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "-h", "--help" -> {
                    return Optional.empty();
                }
                case "--no-kafka" -> options = options.withKafka(false);
                case "--no-s3" -> options = options.withS3(false);
                case "--data-dir" -> options = options.withDataDir(Path.of(value(args, ++i, arg)));
                case "--kafka-port" -> options = options.withKafkaPort(number(value(args, ++i, arg), arg));
                case "--s3-port" -> options = options.withS3Port(number(value(args, ++i, arg), arg));
                case "--bucket" -> options = options.withBuckets(value(args, ++i, arg));
                case "--topic" -> {
                    LocalStack.Topic topic = LocalStack.Topic.parse(value(args, ++i, arg));
                    options = options.withTopic(topic.name(), topic.partitions());
                }
                case "--start-timeout" ->
                    options = options.withStartTimeout(Duration.ofSeconds(number(value(args, ++i, arg), arg)));
                default -> throw new IllegalArgumentException("unknown option: " + arg);
            }
        }
        return Optional.of(options);
    }

    private static String value(String[] args, int index, String option) {
        if (index >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[index];
    }

    private static int number(String value, String option) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a number, was '" + value + "'", e);
        }
    }

    private static void usage(PrintStream out) {
        out.println("""
                usage: LocalStackMain [--data-dir DIR] [--kafka-port N] [--s3-port N] [--no-kafka] [--no-s3]
                                      [--topic NAME[:PARTITIONS]]... [--bucket NAME]... [--start-timeout SECONDS]
                Starts Kafka (KRaft) and S3 (S3Proxy) on 127.0.0.1 and prints their endpoints; Ctrl-C stops them.""");
    }
}
