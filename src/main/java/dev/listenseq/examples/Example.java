package dev.listenseq.examples;

/**
 * One model-ready training example: the label, and the user's sequence as of just before it as
 * fixed-length arrays (length L, position 0 the most recent item; positions past {@code length}
 * are padding: 0, false, and {@code mask} false). docs/training-examples.md documents every field.
 */
public record Example(String userId, long labelTime, String labelType, String labelEventId,
                      String targetSongId, int targetSongIndex, String targetArtistId, int targetArtistIndex,
                      long snapshotVersion, long snapshotAsOf, int length,
                      int[] songIndex, int[] artistIndex, float[] weight, int[] plays, int[] skips,
                      boolean[] liked, boolean[] collected, int[] lastType, float[] lastCompletion,
                      int[] recencyBucket, boolean[] mask) {
}
