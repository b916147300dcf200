"""Text handling: decoding, fingerprint normalization, segmentation into lines with offsets."""
