import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.w3c.dom.Document;

/**
 * Checks a release bundle (a Maven repository layout, as `mvn deploy -DaltDeploymentRepository=...`
 * writes it) against what Maven Central needs, except signatures and checksums:
 * <ul>
 *   <li>every published artifact has a pom with name, description, url, a licence (name and url),
 *       scm (url and connection) and a developer, directly or through its parent (which must be in the
 *       bundle too);</li>
 *   <li>every jar artifact has its main jar, a -sources.jar with .java files and a -javadoc.jar with an
 *       index.html;</li>
 *   <li>the must-have artifacts are there, the never-published ones are not, every published jar
 *       artifact is listed in lockstep-bom, and all share one version.</li>
 * </ul>
 * Usage: {@code java .ci/CheckBundle.java BUNDLE_DIR}. Prints one line per finding and exits 1 if any.
 */
public final class CheckBundle {
    static final String GROUP_PATH = "dev/lockstep";
    static final List<String> REQUIRED = List.of("lockstep-parent", "lockstep-bom", "lockstep-core", "lockstep-ipc");
    static final List<String> NEVER = List.of("lockstep-jcstress-tests", "lockstep-jmh");
    static final String[][] POM_ELEMENTS = {
            {"name", "/project/name"},
            {"description", "/project/description"},
            {"url", "/project/url"},
            {"licence name", "/project/licenses/license/name"},
            {"licence url", "/project/licenses/license/url"},
            {"scm url", "/project/scm/url"},
            {"scm connection", "/project/scm/connection"},
            {"developer", "/project/developers/developer/name"},
    };

    static final List<String> problems = new ArrayList<>();
    static final XPath xpath = XPathFactory.newInstance().newXPath();
    static final Map<String, Document> poms = new TreeMap<>();

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]).resolve(GROUP_PATH);
        if (!Files.isDirectory(root)) {
            System.out.println("FAIL: no " + GROUP_PATH + " in the bundle " + args[0]);
            System.exit(1);
        }
        Map<String, Path> versionDirs = new TreeMap<>();
        try (Stream<Path> artifacts = Files.list(root)) {
            for (Path a : (Iterable<Path>) artifacts.filter(Files::isDirectory).sorted()::iterator) {
                try (Stream<Path> versions = Files.list(a)) {
                    List<Path> vs = versions.filter(Files::isDirectory).toList();
                    if (vs.size() != 1) {
                        problems.add(a.getFileName() + ": expected one version directory, found " + vs);
                        continue;
                    }
                    versionDirs.put(a.getFileName().toString(), vs.get(0));
                }
            }
        }
        for (String r : REQUIRED) {
            if (!versionDirs.containsKey(r)) {
                problems.add(r + ": missing from the bundle");
            }
        }
        for (String n : NEVER) {
            if (versionDirs.containsKey(n)) {
                problems.add(n + ": must not be published, but is in the bundle");
            }
        }
        if (new TreeSet<>(versionDirs.values().stream().map(p -> p.getFileName().toString()).toList()).size() > 1) {
            problems.add("artifacts have different versions: " + versionDirs.values());
        }
        for (Map.Entry<String, Path> e : versionDirs.entrySet()) {
            Path pom = only(e.getValue(), e.getKey(), ".pom");
            if (pom != null) {
                poms.put(e.getKey(), parse(pom));
            }
        }
        Document bom = poms.get("lockstep-bom");
        for (Map.Entry<String, Document> e : poms.entrySet()) {
            String artifact = e.getKey();
            for (String[] el : POM_ELEMENTS) {
                if (inherited(e.getValue(), el[1]).isEmpty()) {
                    problems.add(artifact + ": pom has no " + el[0] + " (" + el[1] + "), not even through its parent");
                }
            }
            String packaging = text(e.getValue(), "/project/packaging");
            if (packaging.isEmpty() || packaging.equals("jar")) {
                Path dir = versionDirs.get(artifact);
                checkJar(only(dir, artifact, ".jar"), artifact, "main jar", ".class");
                checkJar(only(dir, artifact, "-sources.jar"), artifact, "sources jar", ".java");
                checkJar(only(dir, artifact, "-javadoc.jar"), artifact, "javadoc jar", "index.html");
                if (bom != null && text(bom, "/project/dependencyManagement/dependencies/dependency[artifactId='"
                        + artifact + "']/artifactId").isEmpty()) {
                    problems.add(artifact + ": published but not listed in lockstep-bom's dependencyManagement");
                }
            }
        }
        for (Map.Entry<String, Path> e : versionDirs.entrySet()) {
            System.out.println("bundle: " + e.getKey() + " " + e.getValue().getFileName() + ": "
                    + listing(e.getValue()));
        }
        if (problems.isEmpty()) {
            System.out.println("CheckBundle OK: " + versionDirs.size() + " artifacts");
            return;
        }
        problems.forEach(p -> System.out.println("FAIL: " + p));
        System.exit(1);
    }

    /** The one file of this artifact whose name ends with the suffix, the classifier included (snapshots carry a timestamp). */
    static Path only(Path dir, String artifact, String suffix) throws IOException {
        // A snapshot deploy names files artifact-0.1.0-20261130.101010-1[-classifier].ext.
        String regex = java.util.regex.Pattern.quote(artifact) + "-.*" + java.util.regex.Pattern.quote(suffix);
        List<Path> found;
        try (Stream<Path> files = Files.list(dir)) {
            found = files.filter(p -> {
                String n = p.getFileName().toString();
                return n.matches(regex) && !(suffix.equals(".jar") && n.matches(".*-(sources|javadoc|tests)\\.jar"));
            }).toList();
        }
        if (found.size() != 1) {
            problems.add(artifact + ": expected one *" + suffix + ", found " + found.size());
            return null;
        }
        return found.get(0);
    }

    static void checkJar(Path jar, String artifact, String what, String mustContain) throws IOException {
        if (jar == null) {
            return;
        }
        try (ZipFile z = new ZipFile(jar.toFile())) {
            if (z.stream().noneMatch(en -> en.getName().endsWith(mustContain))) {
                problems.add(artifact + ": the " + what + " " + jar.getFileName() + " contains no *" + mustContain);
            }
        }
    }

    static String listing(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return String.join(" ", files.map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith("maven-metadata")).sorted().toList());
        }
    }

    static Document parse(Path p) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(false);
        return f.newDocumentBuilder().parse(p.toFile());
    }

    static String text(Document d, String path) throws Exception {
        return ((String) xpath.evaluate(path, d, XPathConstants.STRING)).trim();
    }

    /** The element's text in this pom or the nearest ancestor pom of the bundle that has it. */
    static String inherited(Document d, String path) throws Exception {
        for (int depth = 0; d != null && depth < 10; depth++) {
            String t = text(d, path);
            if (!t.isEmpty()) {
                return t;
            }
            String parent = text(d, "/project/parent/artifactId");
            if (parent.isEmpty()) {
                return "";
            }
            if (!poms.containsKey(parent)) {
                problems.add("parent pom " + parent + " is not in the bundle");
                return "";
            }
            d = poms.get(parent);
        }
        return "";
    }
}
