package io.fedbiot.kernels.cuda;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds CUDA shared libraries (libcublas.so.13, libnvrtc.so.12, ...) the way users install them:
 * CUDA_HOME / CUDA_PATH, LD_LIBRARY_PATH, the standard install folders (/usr/local/cuda*,
 * the distribution's lib folders) and NVIDIA's Python wheels (site-packages/nvidia/PKG/lib).
 * Everything is computed from a {@link Layout}, so tests can point it at fake trees.
 *
 * @param vars          environment variables (CUDA_HOME, CUDA_PATH, LD_LIBRARY_PATH)
 * @param prefixes      folders holding cuda, cuda-12.6, ... installs (normally /usr/local, /opt)
 * @param systemLibDirs distribution folders searched as they are (/usr/lib/x86_64-linux-gnu, ...)
 * @param sitePackages  Python site-packages folders that may hold nvidia/PKG/lib wheels
 */
public record CudaLibraries(Map<String, String> vars, List<Path> prefixes, List<Path> systemLibDirs,
                            List<Path> sitePackages) {

    public CudaLibraries {
        vars = Map.copyOf(vars);
        prefixes = List.copyOf(prefixes);
        systemLibDirs = List.copyOf(systemLibDirs);
        sitePackages = List.copyOf(sitePackages);
    }

    /** This machine's layout: the process environment and the usual folders. */
    public static CudaLibraries system() {
        Map<String, String> env = System.getenv();
        List<Path> site = new ArrayList<>();
        for (String key : List.of("VIRTUAL_ENV", "CONDA_PREFIX")) {
            String v = env.get(key);
            if (v != null && !v.isBlank()) site.addAll(pythonSiteDirs(Path.of(v, "lib")));
        }
        String pp = env.get("PYTHONPATH");
        if (pp != null) for (String p : pp.split(":")) if (!p.isBlank()) site.add(Path.of(p));
        String home = System.getProperty("user.home");
        if (home != null) site.addAll(pythonSiteDirs(Path.of(home, ".local", "lib")));
        site.addAll(pythonSiteDirs(Path.of("/usr/local/lib")));
        site.addAll(pythonSiteDirs(Path.of("/usr/lib")));
        site.add(Path.of("/usr/lib/python3/dist-packages"));
        return new CudaLibraries(env, List.of(Path.of("/usr/local"), Path.of("/opt")),
                List.of(Path.of("/usr/lib/x86_64-linux-gnu"), Path.of("/usr/lib64"), Path.of("/usr/lib"),
                        Path.of("/usr/lib/wsl/lib")),
                site);
    }

    /** python3.X/site-packages and python3.X/dist-packages under {@code libDir}. */
    static List<Path> pythonSiteDirs(Path libDir) {
        List<Path> out = new ArrayList<>();
        for (Path py : children(libDir, "python3*")) {
            out.add(py.resolve("site-packages"));
            out.add(py.resolve("dist-packages"));
        }
        return out;
    }

    /**
     * Folders to search, in order, without duplicates: CUDA_HOME and CUDA_PATH (lib64, lib),
     * LD_LIBRARY_PATH, each prefix's cuda then cuda-X.Y installs (newest version first), the
     * system folders, then every nvidia/PKG/lib of the Python wheels.
     */
    public List<Path> searchDirs() {
        LinkedHashSet<Path> dirs = new LinkedHashSet<>();
        for (String key : List.of("CUDA_HOME", "CUDA_PATH")) {
            String v = vars.get(key);
            if (v != null && !v.isBlank()) {
                dirs.add(Path.of(v, "lib64"));
                dirs.add(Path.of(v, "lib"));
            }
        }
        String ld = vars.get("LD_LIBRARY_PATH");
        if (ld != null) for (String p : ld.split(":")) if (!p.isBlank()) dirs.add(Path.of(p));
        for (Path prefix : prefixes) {
            dirs.add(prefix.resolve("cuda").resolve("lib64"));
            List<Path> versions = children(prefix, "cuda-*");
            versions.sort(Comparator.comparing((Path p) -> versionKey(p.getFileName().toString())).reversed());
            for (Path v : versions) dirs.add(v.resolve("lib64"));
        }
        dirs.addAll(systemLibDirs);
        for (Path site : sitePackages)
            for (Path pkg : children(site.resolve("nvidia"), "*")) {
                dirs.add(pkg.resolve("lib"));
                dirs.add(pkg.resolve("lib64"));
            }
        return List.copyOf(dirs);
    }

    /** The first existing file named one of {@code sonames} (tried in that order) in {@link #searchDirs}. */
    public Optional<Path> find(List<String> sonames) {
        List<Path> dirs = searchDirs();
        for (String so : sonames)
            for (Path d : dirs) {
                Path f = d.resolve(so);
                if (Files.isRegularFile(f)) return Optional.of(f);
            }
        return Optional.empty();
    }

    /** Like {@link #find} but a clear error naming what is missing and where it was looked for. */
    public Path require(String what, List<String> sonames) {
        return find(sonames).orElseThrow(() -> new CudaException(notFoundMessage(what, sonames)));
    }

    public String notFoundMessage(String what, List<String> sonames) {
        return what + " not found: looked for " + String.join(" or ", sonames) + " in CUDA_HOME, CUDA_PATH, "
                + "LD_LIBRARY_PATH, /usr/local/cuda*, the system library folders and NVIDIA's Python wheels "
                + "(site-packages/nvidia/*/lib); searched " + searchDirs().size() + " folders. Install the CUDA "
                + "toolkit or the nvidia-* wheels, or set CUDA_HOME";
    }

    /** cuda-12.10 sorts after cuda-12.9: numeric parts compared as numbers. */
    static String versionKey(String name) {
        StringBuilder key = new StringBuilder();
        for (String part : name.replaceAll("[^0-9.]", "").split("\\.")) {
            if (part.isEmpty()) continue;
            key.append(String.format("%08d.", Long.parseLong(part.length() > 8 ? part.substring(0, 8) : part)));
        }
        return key.toString();
    }

    private static List<Path> children(Path dir, String glob) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, glob)) {
            for (Path p : ds) if (Files.isDirectory(p)) out.add(p);
        } catch (IOException e) {
            return out;   // an unreadable folder holds nothing we can load
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    /** Folder listing helper for callers that glob sibling files (libnvrtc-builtins.so.*). */
    static List<Path> filesMatching(Path dir, String glob) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            var m = dir.getFileSystem().getPathMatcher("glob:" + glob);
            return s.filter(p -> m.matches(p.getFileName())).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
