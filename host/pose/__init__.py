"""Video to skeleton: the teacher's video branch on a club's own footage.

Decode a video (or a folder of frames), estimate each person's pose per frame, keep one
track per athlete, map the estimator's landmarks to `edge.taxonomy.JOINTS` and write
skeleton clips in the dataset format. Host only; needs the optional `video` extra, which
is imported only when pose estimation actually runs.
"""
