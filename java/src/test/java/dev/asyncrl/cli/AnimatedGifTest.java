package dev.asyncrl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The animated GIF helper: a GIF89a file with every frame, read back by ImageIO, the NETSCAPE2.0
 * loop extension, colours kept exactly when a frame has at most 256, and frames of one size only.
 */
class AnimatedGifTest {

    @TempDir
    Path tmp;

    private static BufferedImage frame(int i) {
        BufferedImage img = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        var g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 40, 30);
        g.setColor(new Color(204, 77, 77));
        g.fillRect(i * 5, 10, 8, 8);
        g.dispose();
        return img;
    }

    @Test
    void writesEveryFrameAndLoops() throws Exception {
        Path file = tmp.resolve("a.gif");
        try (AnimatedGif gif = new AnimatedGif(file, 25)) {
            for (int i = 0; i < 5; i++) gif.add(frame(i));
            assertEquals(5, gif.frames());
        }
        byte[] bytes = Files.readAllBytes(file);
        assertEquals("GIF89a", new String(bytes, 0, 6, StandardCharsets.US_ASCII));
        assertTrue(new String(bytes, StandardCharsets.ISO_8859_1).contains("NETSCAPE2.0"), "the loop extension");
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            ImageReader reader = ImageIO.getImageReaders(in).next();
            reader.setInput(in);
            assertEquals(5, reader.getNumImages(true));
            BufferedImage third = reader.read(2);
            assertEquals(new Color(204, 77, 77).getRGB(), third.getRGB(12, 12), "colours kept exactly");
            assertEquals(Color.WHITE.getRGB(), third.getRGB(0, 0));
        }
    }

    @Test
    void manyColoursAreRoundedNotRefused() {
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) img.setRGB(x, y, (x * 4) << 16 | (y * 4) << 8 | 128);
        BufferedImage indexed = AnimatedGif.indexed(img);
        assertEquals(BufferedImage.TYPE_BYTE_INDEXED, indexed.getType());
        Color c = new Color(indexed.getRGB(63, 63));
        assertTrue(Math.abs(c.getRed() - 252) <= 20 && Math.abs(c.getGreen() - 252) <= 20, c.toString());
    }

    @Test
    void framesOfAnotherSizeAreRefused() throws Exception {
        try (AnimatedGif gif = new AnimatedGif(tmp.resolve("b.gif"), 30)) {
            gif.add(frame(0));
            assertThrows(IllegalArgumentException.class, () -> gif.add(new BufferedImage(10, 10, BufferedImage.TYPE_INT_RGB)));
        }
    }
}
