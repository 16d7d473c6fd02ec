package dev.asyncrl.mujoco;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A compiled MuJoCo model (mjModel), loaded from MJCF. After loading it is only read, so one model
 * serves every thread's {@link Data}; the sizes and the arrays the tasks read are taken once here.
 * {@link #close()} frees it: only once no Data of it is in use (the environments keep theirs for the
 * life of the process).
 */
public final class Model implements AutoCloseable {
    private final MemorySegment ptr;
    private final String name;
    public final int nq, nv, nu, nbody, ngeom, nsite;
    /** The simulation's time step in seconds (mjOption.timestep). */
    public final double timestep;
    private final MemorySegment qpos0, bodyMass, geomType, geomSize, geomRgba, ctrlRange;
    private boolean closed;

    private Model(MemorySegment raw, String name) {
        this.ptr = raw.reinterpret(Layout.MODEL_BYTES);
        this.name = name;
        nq = ptr.get(JAVA_INT, Layout.M_NQ);
        nv = ptr.get(JAVA_INT, Layout.M_NV);
        nu = ptr.get(JAVA_INT, Layout.M_NU);
        nbody = ptr.get(JAVA_INT, Layout.M_NBODY);
        ngeom = ptr.get(JAVA_INT, Layout.M_NGEOM);
        nsite = ptr.get(JAVA_INT, Layout.M_NSITE);
        timestep = ptr.get(JAVA_DOUBLE, Layout.M_TIMESTEP);
        qpos0 = array(Layout.M_QPOS0, nq * 8L);
        bodyMass = array(Layout.M_BODY_MASS, nbody * 8L);
        geomType = array(Layout.M_GEOM_TYPE, ngeom * 4L);
        geomSize = array(Layout.M_GEOM_SIZE, ngeom * 3 * 8L);
        geomRgba = array(Layout.M_GEOM_RGBA, ngeom * 4 * 4L);
        ctrlRange = array(Layout.M_ACTUATOR_CTRLRANGE, nu * 2 * 8L);
    }

    private MemorySegment array(long offset, long bytes) {
        return ptr.get(ADDRESS, offset).reinterpret(bytes);
    }

    MemorySegment ptr() {
        if (closed) throw new IllegalStateException("MuJoCo model " + name + " is closed");
        return ptr;
    }

    /**
     * Compiles the MJCF file {@code xml}; an {@link IllegalArgumentException} with MuJoCo's own
     * message (one line) when it cannot.
     */
    public static Model load(Path xml) {
        MuJoCo.require();
        if (!Files.isRegularFile(xml)) throw new IllegalArgumentException("MuJoCo model " + xml + " does not exist");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment error = arena.allocate(1000);
            MemorySegment m;
            synchronized (Model.class) {   // the XML parser keeps global state
                m = (MemorySegment) MuJoCo.Fn.LOAD_XML.invokeExact(arena.allocateFrom(xml.toString()), MemorySegment.NULL, error, 1000);
            }
            if (m.equals(MemorySegment.NULL)) {
                String msg = error.getString(0).strip().replaceAll("\\s*\\n\\s*", "; ");
                throw new IllegalArgumentException("MuJoCo could not load " + xml + ": " + (msg.isEmpty() ? "no reason given" : msg));
            }
            return new Model(m, xml.getFileName().toString());
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Throwable t) {
            throw MuJoCo.rethrow(t);
        }
    }

    /** Compiles MJCF given as text (written to a temporary file, which MuJoCo's loader needs, then deleted). */
    public static Model loadString(String name, String mjcf) {
        MuJoCo.require();
        Path tmp = null;
        try {
            tmp = Files.createTempFile("asyncrl-" + name + "-", ".xml");
            Files.writeString(tmp, mjcf, StandardCharsets.UTF_8);
            return load(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a temporary file left behind is harmless
                }
            }
        }
    }

    /** The id of the object of {@code type} (Layout.OBJ_*) named {@code name}; refuses an unknown name. */
    public int id(int type, String objectName) {
        try (Arena arena = Arena.ofConfined()) {
            int id = (int) MuJoCo.Fn.NAME2ID.invokeExact(ptr(), type, arena.allocateFrom(objectName));
            if (id < 0) throw new IllegalArgumentException("MuJoCo model " + name + " has no object '" + objectName + "' of type " + type);
            return id;
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Throwable t) {
            throw MuJoCo.rethrow(t);
        }
    }

    public double qpos0(int i) {
        return qpos0.getAtIndex(JAVA_DOUBLE, i);
    }

    public double bodyMass(int body) {
        return bodyMass.getAtIndex(JAVA_DOUBLE, body);
    }

    public int geomType(int geom) {
        return geomType.getAtIndex(JAVA_INT, geom);
    }

    /** geom_size[geom][k], k < 3. */
    public double geomSize(int geom, int k) {
        return geomSize.getAtIndex(JAVA_DOUBLE, geom * 3L + k);
    }

    /** geom_rgba[geom][k], k < 4. */
    public float geomRgba(int geom, int k) {
        return geomRgba.getAtIndex(JAVA_FLOAT, geom * 4L + k);
    }

    /** actuator_ctrlrange[actuator][0] (low) or [1] (high). */
    public double ctrlRange(int actuator, int k) {
        return ctrlRange.getAtIndex(JAVA_DOUBLE, actuator * 2L + k);
    }

    public String name() {
        return name;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            MuJoCo.Fn.DELETE_MODEL.invokeExact(ptr);
        } catch (Throwable t) {
            throw MuJoCo.rethrow(t);
        }
    }
}
