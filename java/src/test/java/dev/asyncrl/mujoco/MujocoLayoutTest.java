package dev.asyncrl.mujoco;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The binding against the installed MuJoCo: every offset it uses, and a model loaded, stepped and refused. */
class MujocoLayoutTest {

    @Test
    void everyOffsetTheBindingUsesIsTheHeaders() throws Exception {
        Path tool = Path.of(System.getProperty("asyncrl.native.dir", "target/native/lib")).resolveSibling("bin").resolve("mujoco_layout");
        assertTrue(Files.isExecutable(tool), tool + " was not built: MuJoCo's headers are missing (" + MuJoCo.INSTALL_HINT + ")");
        Process p = new ProcessBuilder(tool.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        Map<String, Long> headers = new LinkedHashMap<>();
        for (String line : out.strip().split("\n")) {
            String[] f = line.trim().split(" ");
            headers.put(f[0], Long.parseLong(f[1]));
        }
        assertEquals(Layout.ALL, headers);
        assertTrue(headers.size() >= 40, headers.toString());
    }

    private static final String PENDULUM = """
            <mujoco model="test">
              <compiler autolimits="true"/>
              <option timestep="0.01"/>
              <worldbody>
                <body name="bob" pos="0 0 1">
                  <joint name="hinge" type="hinge" axis="0 1 0"/>
                  <geom name="rod" type="capsule" fromto="0 0 0 0 0 -0.5" size="0.02" mass="1"/>
                  <site name="tip" pos="0 0 -0.5"/>
                </body>
              </worldbody>
              <actuator><motor joint="hinge" ctrlrange="-2 2" gear="1"/></actuator>
            </mujoco>
            """;

    @Test
    void aModelLoadsAndSteps() {
        Model m = Model.loadString("test", PENDULUM);
        try (Data d = new Data(m)) {
            assertEquals(1, m.nq);
            assertEquals(1, m.nu);
            assertEquals(2, m.nbody);   // the world and the bob
            assertEquals(0.01, m.timestep);
            assertEquals(-2.0, m.ctrlRange(0, 0));
            assertEquals(2.0, m.ctrlRange(0, 1));
            assertEquals(1.0, m.bodyMass(1), 1e-12);
            assertEquals(Layout.GEOM_CAPSULE, m.geomType(0));
            int tip = m.id(Layout.OBJ_SITE, "tip");
            d.qpos.setAtIndex(JAVA_DOUBLE, 0, 0.3);   // tilted: gravity swings it back
            d.forward();
            assertEquals(1 - 0.5 * Math.cos(0.3), d.siteXpos.getAtIndex(JAVA_DOUBLE, tip * 3L + 2), 1e-9);
            assertEquals(-0.5 * Math.sin(0.3), d.siteXpos.getAtIndex(JAVA_DOUBLE, tip * 3L), 1e-9);
            for (int i = 0; i < 10; i++) d.step();
            assertEquals(0.1, d.time(), 1e-12);
            assertTrue(d.qvel(0) < 0, "gravity pulls the bob back: " + d.qvel(0));
            d.reset();
            assertEquals(0.0, d.qpos(0));
            assertEquals(0.0, d.time());
            assertThrows(IllegalArgumentException.class, () -> m.id(Layout.OBJ_SITE, "nothing"));
        }
    }

    @Test
    void aBrokenModelIsOneClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Model.loadString("broken", "<mujoco><worldbody><geom type=\"nonsense\"/></worldbody></mujoco>"));
        assertTrue(e.getMessage().startsWith("MuJoCo could not load") && !e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().toLowerCase().contains("nonsense") || e.getMessage().contains("type"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Model.load(Path.of("/no/such/model.xml")));
    }
}
