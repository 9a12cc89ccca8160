package io.liverseg.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.liverseg.cli.stack.Mesh;
import io.liverseg.proto.EventType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The deployment files (each service's image, compose.yaml, k8s/) against the services they deploy: every
 * {@code *-service} module is deployed by all three, on the HTTP port its application.properties gives, and a
 * service that seeds the model registry gets the bootstrap packages in its image. Nothing here can run them (no
 * Docker engine, no cluster); this catches the drift a new service or a changed port would cause.
 */
class DeploymentFilesTest {

    private static final Path ROOT = Path.of(System.getProperty("liverseg.home", "..")).toAbsolutePath().normalize();
    private static final ObjectMapper YAML = new YAMLMapper();
    private static final Pattern HTTP_PORT = Pattern.compile("(?m)^quarkus\\.http\\.port=(\\d+)\\s*$");
    private static final Pattern JAVA_OPTS_APPEND = Pattern.compile("(?m)^ENV JAVA_OPTS_APPEND=\"([^\"]*)\"");
    private static final String SEED_DIR_ENV = "LIVERSEG_REGISTRY_SEED_DIR";
    private static final String IMAGE_MODELS = "/deployments/models";

    @Test
    void everyServiceHasAnImageExposingItsHttpPort() throws IOException {
        for (String module : serviceModules()) {
            assertThat(dockerfile(module)).as(module)
                    .contains("EXPOSE " + httpPort(module) + "\n")
                    .contains("ENV JAVA_APP_JAR=\"/deployments/quarkus-run.jar\"");
        }
    }

    @Test
    void composeBuildsAndRunsEveryService() throws IOException {
        JsonNode services = YAML.readTree(ROOT.resolve("compose.yaml").toFile()).path("services");
        for (String module : serviceModules()) {
            JsonNode service = services.path(module.replace("-service", ""));
            assertThat(service.path("build").path("context").asText()).as(module).isEqualTo(module);
            assertThat(ROOT.resolve(module).resolve(service.path("build").path("dockerfile").asText())).as(module)
                    .isEqualTo(ROOT.resolve(module).resolve("src/main/docker/Dockerfile.jvm"));
            // compose's environment wins over the image's ENV
            assertThat(service.path("environment").has(SEED_DIR_ENV)).as(module).isFalse();
        }
    }

    @Test
    void kubernetesDeploysEveryServiceOnItsPortWithTheImagesJavaOptionsAndScrapesItsMetrics() throws IOException {
        Map<String, JsonNode> deployments = new TreeMap<>();
        List<JsonNode> services = new ArrayList<>();
        for (JsonNode doc : kustomizedDocuments()) {
            switch (doc.path("kind").asText()) {
                case "Deployment" -> deployments.put(doc.path("metadata").path("name").asText(), doc);
                case "Service" -> services.add(doc);
                default -> { }
            }
        }
        for (String module : serviceModules()) {
            String name = module.replace("-service", "");
            assertThat(deployments).as("k8s Deployment of " + module).containsKey(name);
            JsonNode container = deployments.get(name).path("spec").path("template").path("spec").path("containers")
                    .path(0);
            assertThat(container.path("image").asText()).as(module).startsWith("liverseg/" + module + ":");
            JsonNode port = container.path("ports").path(0);
            assertThat(port.path("name").asText()).as(module).isEqualTo("http");
            assertThat(port.path("containerPort").asInt()).as(module).isEqualTo(httpPort(module));
            assertThat(container.path("readinessProbe").path("httpGet").path("path").asText()).as(module)
                    .isEqualTo("/q/health/ready");
            assertThat(container.path("livenessProbe").path("httpGet").path("path").asText()).as(module)
                    .isEqualTo("/q/health/live");
            JsonNode annotations = deployments.get(name).path("spec").path("template").path("metadata")
                    .path("annotations");
            assertThat(annotations.path("prometheus.io/scrape").asText()).as(module).isEqualTo("true");
            assertThat(annotations.path("prometheus.io/path").asText()).as(module).isEqualTo("/q/metrics");
            assertThat(annotations.path("prometheus.io/port").asInt()).as(module).isEqualTo(httpPort(module));
            assertThat(Files.readString(ROOT.resolve(module).resolve("pom.xml"))).as(module)
                    .contains("<artifactId>quarkus-micrometer-registry-prometheus</artifactId>");

            Map<String, String> env = new TreeMap<>();
            container.path("env").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
            // the pod's JAVA_OPTS_APPEND replaces the image's: it must keep every option the image sets
            assertThat(Arrays.asList(env.getOrDefault("JAVA_OPTS_APPEND", "").split("\\s+"))).as(module)
                    .containsAll(Arrays.asList(imageJavaOptions(module).split("\\s+")));
            assertThat(env).as(module).doesNotContainKey(SEED_DIR_ENV);

            assertThat(services).as("k8s Service of " + module).anySatisfy(s -> {
                assertThat(s.path("spec").path("selector").path("app.kubernetes.io/name").asText()).isEqualTo(name);
                assertThat(s.path("spec").path("ports").path(0).path("targetPort").asText()).isEqualTo("http");
            });
        }
    }

    @Test
    void strimziTopicsAreEveryTopicTheServicesUseWithAPartitionPerInferenceReplica() throws IOException {
        Map<String, Integer> partitions = new TreeMap<>();
        for (JsonNode doc : documents(ROOT.resolve("k8s/strimzi/topics.yaml"))) {
            assertThat(doc.path("kind").asText()).isEqualTo("KafkaTopic");
            partitions.put(doc.path("metadata").path("name").asText(), doc.path("spec").path("partitions").asInt());
        }
        assertThat(partitions.keySet()).containsExactlyInAnyOrderElementsOf(Mesh.topics());
        int maxInference = kustomizedDocuments().stream()
                .filter(d -> d.path("kind").asText().equals("HorizontalPodAutoscaler")
                        && d.path("spec").path("scaleTargetRef").path("name").asText().equals("inference"))
                .mapToInt(d -> d.path("spec").path("maxReplicas").asInt()).max().orElseThrow();
        assertThat(partitions.get(EventType.SLICE_BATCH_READY.topic())).isGreaterThanOrEqualTo(maxInference);
        assertThat(YAML.readTree(ROOT.resolve("k8s/strimzi/kustomization.yaml").toFile()).path("resources").toString())
                .isEqualTo("[\"topics.yaml\"]");
    }

    @Test
    void imagesOfServicesThatSeedTheRegistryCarryTheBootstrapModels() throws IOException {
        List<String> seeding = serviceModules().stream().filter(DeploymentFilesTest::seedsTheRegistry).toList();
        assertThat(seeding).contains("preprocess-service", "inference-service", "training-service");
        for (String module : seeding) {
            assertThat(dockerfile(module)).as(module)
                    .contains("COPY --chown=185 target/models/ " + IMAGE_MODELS + "/\n")
                    .contains("ENV " + SEED_DIR_ENV + "=\"" + IMAGE_MODELS + "\"");
            // the parent pom's copy-model-packages is off unless a module gives it a phase
            assertThat(Files.readString(ROOT.resolve(module).resolve("pom.xml"))).as(module)
                    .containsPattern("<id>copy-model-packages</id>\\s*<phase>prepare-package</phase>");
        }
    }

    @Test
    void theBuildCopiesEachModelPackageButNotItsCheckpoints() throws IOException {
        List<String> built = serviceModules().stream().filter(DeploymentFilesTest::seedsTheRegistry)
                .filter(m -> Files.isDirectory(ROOT.resolve(m).resolve("target/quarkus-app"))).toList();
        assumeTrue(!built.isEmpty(), "no service that seeds the registry has been packaged yet (run ./mvnw verify)");
        List<Path> packageFiles;
        try (Stream<Path> files = Files.find(ROOT.resolve("models"), 2, (p, a) -> a.isRegularFile()
                && isPackageFile(p.getFileName().toString()))) {
            packageFiles = files.map(ROOT.resolve("models")::relativize).filter(p -> p.getNameCount() == 2).toList();
        }
        assertThat(packageFiles).isNotEmpty();
        for (String module : built) {
            Path copied = ROOT.resolve(module).resolve("target/models");
            for (Path file : packageFiles) {
                assertThat(copied.resolve(file)).as(module).exists()
                        .hasSameBinaryContentAs(ROOT.resolve("models").resolve(file));
            }
            try (Stream<Path> files = Files.walk(copied)) {
                assertThat(files.filter(Files::isRegularFile).map(copied::relativize).toList()).as(module)
                        .containsExactlyInAnyOrderElementsOf(packageFiles);
            }
        }
    }

    @Test
    void onlyTheInferenceImageTunesMallocForForwardPasses() throws IOException {
        // the launcher leaves training at glibc's defaults too (MallocTunablesTest): its passes are larger
        for (String module : serviceModules()) {
            assertThat(dockerfile(module).contains("GLIBC_TUNABLES")).as(module)
                    .isEqualTo(module.equals("inference-service"));
        }
    }

    /** What a model package consists of: model.json and the weights (a checkpoint is a folder of its own). */
    private static boolean isPackageFile(String name) {
        return name.equals("model.json") || name.endsWith(".params");
    }

    private static List<String> serviceModules() throws IOException {
        try (Stream<Path> dirs = Files.list(ROOT)) {
            List<String> modules = dirs.filter(d -> d.getFileName().toString().endsWith("-service")
                    && Files.isRegularFile(d.resolve("pom.xml"))).map(d -> d.getFileName().toString()).sorted().toList();
            assertThat(modules).hasSize(4);
            return modules;
        }
    }

    private static int httpPort(String module) throws IOException {
        Matcher m = HTTP_PORT.matcher(Files.readString(
                ROOT.resolve(module).resolve("src/main/resources/application.properties")));
        assertThat(m.find()).as(module + " sets quarkus.http.port").isTrue();
        return Integer.parseInt(m.group(1));
    }

    private static String dockerfile(String module) throws IOException {
        return Files.readString(ROOT.resolve(module).resolve("src/main/docker/Dockerfile.jvm"));
    }

    private static String imageJavaOptions(String module) throws IOException {
        Matcher m = JAVA_OPTS_APPEND.matcher(dockerfile(module));
        assertThat(m.find()).as(module + "'s image sets JAVA_OPTS_APPEND").isTrue();
        return m.group(1).trim();
    }

    private static boolean seedsTheRegistry(String module) {
        try (Stream<Path> sources = Files.walk(ROOT.resolve(module).resolve("src/main/java"))) {
            return sources.filter(p -> p.toString().endsWith(".java")).anyMatch(p -> {
                try {
                    return Files.readString(p).contains("new RegistrySeeding(");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every document of every file the kustomization lists. */
    private static List<JsonNode> kustomizedDocuments() throws IOException {
        JsonNode kustomization = YAML.readTree(ROOT.resolve("k8s/kustomization.yaml").toFile());
        List<JsonNode> docs = new ArrayList<>();
        for (JsonNode resource : kustomization.path("resources")) {
            docs.addAll(documents(ROOT.resolve("k8s").resolve(resource.asText())));
        }
        return docs;
    }

    private static List<JsonNode> documents(Path yaml) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class)
                .readValues(new YAMLFactory().createParser(yaml.toFile()))) {
            while (it.hasNext()) {
                docs.add(it.next());
            }
        }
        return docs;
    }
}
