// One guest, booted once, walked through the steps in order (StepOrderer): the tests share it and the host's CPU.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
