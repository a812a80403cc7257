"""The parts `host.train.train` is made of, one job per module:

- `task`: a dataset directory as `TaskData` (clips, athlete-weeks, splits, statistics);
  a labelled `.ts` file is read beside the other readers, in `host.data.ts_file`;
- `objective`: the loss of one step (Eq. 8), validation and risk pooling;
- `batches`: what one training step sees (risk clips, augmentation);
- `loop`: one epoch of steps, data-parallel aware;
- `tracking`: one `BestTracker` per watched head (early stopping, best checkpoints);
- `state`: `TrainState`, the checkpoint `--resume` continues from;
- `rundir`: the run directory's file names and writers.
"""
