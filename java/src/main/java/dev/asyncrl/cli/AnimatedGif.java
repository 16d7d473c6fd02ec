package dev.asyncrl.cli;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;

/**
 * Writes an animated GIF one frame at a time with the JDK's own GIF writer (javax.imageio), so an
 * episode of any length streams to disk instead of being held in memory. Every frame carries a
 * Graphic Control Extension with the frame delay; the first also carries the NETSCAPE2.0
 * application extension with loop count 0, which makes viewers repeat the animation forever. RGB
 * frames become indexed images here (see {@link #indexed}), which spares the writer its slow
 * per-frame palette search.
 */
public final class AnimatedGif implements AutoCloseable {
    private static final String FORMAT = "javax_imageio_gif_image_1.0";

    private final ImageWriter writer;
    private final ImageOutputStream out;
    private final int delayCentiseconds;
    private int frames;
    private int width = -1, height = -1;

    /** Opens {@code file} (replacing it) for frames meant to be shown at {@code framesPerSecond}. */
    public AnimatedGif(Path file, int framesPerSecond) throws IOException {
        if (framesPerSecond < 1) throw new IllegalArgumentException("frames per second must be >= 1, got " + framesPerSecond);
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("gif");
        if (!writers.hasNext()) throw new IOException("this JVM has no GIF writer (javax.imageio)");
        this.writer = writers.next();
        // GIF delays count hundredths of a second; below 2 many viewers fall back to a slow default.
        this.delayCentiseconds = Math.max(2, Math.round(100f / framesPerSecond));
        this.out = ImageIO.createImageOutputStream(file.toFile());
        if (out == null) throw new IOException("cannot open " + file + " for writing");
        writer.setOutput(out);
        writer.prepareWriteSequence(null);
    }

    /** Appends one frame; every frame must have the first one's size. */
    public void add(BufferedImage frame) throws IOException {
        if (frames == 0) {
            width = frame.getWidth();
            height = frame.getHeight();
        } else if (frame.getWidth() != width || frame.getHeight() != height) {
            throw new IllegalArgumentException("GIF frame " + frames + " is " + frame.getWidth() + "x" + frame.getHeight()
                    + ", the first was " + width + "x" + height);
        }
        frame = indexed(frame);
        ImageWriteParam param = writer.getDefaultWriteParam();
        IIOMetadata meta = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(frame), param);
        IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree(FORMAT);
        IIOMetadataNode control = child(root, "GraphicControlExtension");
        control.setAttribute("disposalMethod", "none");
        control.setAttribute("userInputFlag", "FALSE");
        control.setAttribute("transparentColorFlag", "FALSE");
        control.setAttribute("transparentColorIndex", "0");
        control.setAttribute("delayTime", Integer.toString(delayCentiseconds));
        if (frames == 0) {
            IIOMetadataNode loop = new IIOMetadataNode("ApplicationExtension");
            loop.setAttribute("applicationID", "NETSCAPE");
            loop.setAttribute("authenticationCode", "2.0");
            loop.setUserObject(new byte[] {1, 0, 0}); // sub-block 1: loop count 0 (little-endian), forever
            child(root, "ApplicationExtensions").appendChild(loop);
        }
        meta.setFromTree(FORMAT, root);
        writer.writeToSequence(new IIOImage(frame, null, meta), param);
        frames++;
    }

    public int frames() {
        return frames;
    }

    /** Ends the sequence (the GIF trailer) and closes the file. */
    @Override
    public void close() throws IOException {
        try {
            writer.endWriteSequence();
        } finally {
            out.close();
            writer.dispose();
        }
    }

    /**
     * The frame as an indexed image: with its own colours exactly when it has at most 256 (the
     * environments' drawings do), else each colour rounded to 3-3-2 bits of red, green, blue. No
     * dithering, so flat areas stay flat and compress well.
     */
    static BufferedImage indexed(BufferedImage frame) {
        if (frame.getType() == BufferedImage.TYPE_BYTE_INDEXED) return frame;
        int w = frame.getWidth(), h = frame.getHeight();
        int[] rgb = frame.getRGB(0, 0, w, h, null, 0, w);
        Map<Integer, Integer> index = new HashMap<>();
        for (int i = 0; i < rgb.length && index.size() <= 256; i++) {
            index.putIfAbsent(rgb[i] & 0xFFFFFF, index.size());
        }
        boolean exact = index.size() <= 256;
        int colours = exact ? index.size() : 256;
        byte[] r = new byte[colours], g = new byte[colours], b = new byte[colours];
        if (exact) {
            for (var e : index.entrySet()) {
                int c = e.getKey(), k = e.getValue();
                r[k] = (byte) (c >> 16);
                g[k] = (byte) (c >> 8);
                b[k] = (byte) c;
            }
        } else {
            for (int k = 0; k < 256; k++) {
                r[k] = (byte) ((k >> 5) * 255 / 7);
                g[k] = (byte) (((k >> 2) & 7) * 255 / 7);
                b[k] = (byte) ((k & 3) * 255 / 3);
            }
        }
        int bits = Math.max(1, 32 - Integer.numberOfLeadingZeros(colours - 1));
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED,
                new IndexColorModel(bits, colours, r, g, b));
        byte[] pixels = ((DataBufferByte) out.getRaster().getDataBuffer()).getData();
        int last = -1, lastIndex = 0;
        for (int i = 0; i < rgb.length; i++) {
            int c = rgb[i] & 0xFFFFFF;
            if (c != last) {
                last = c;
                lastIndex = exact ? index.get(c)
                        : (Math.round(((c >> 16) & 255) * 7 / 255f) << 5) | (Math.round(((c >> 8) & 255) * 7 / 255f) << 2)
                          | Math.round((c & 255) * 3 / 255f);
            }
            pixels[i] = (byte) lastIndex;
        }
        return out;
    }

    /** The child node called {@code name}, created if the default metadata lacks it. */
    private static IIOMetadataNode child(IIOMetadataNode root, String name) {
        for (int i = 0; i < root.getLength(); i++) {
            if (root.item(i).getNodeName().equalsIgnoreCase(name)) return (IIOMetadataNode) root.item(i);
        }
        IIOMetadataNode node = new IIOMetadataNode(name);
        root.appendChild(node);
        return node;
    }
}
