/** Trains a topic model off the main thread (trainTopicClassifierInThread): the examples in, the model's JSON out. */
import { parentPort, workerData } from 'node:worker_threads';
import { trainTopicClassifier, type TrainingExample, type TrainingSettings } from './classifier.js';

const { examples, settings } = workerData as { examples: TrainingExample[]; settings: Partial<TrainingSettings> };
const classifier = await trainTopicClassifier(examples, settings);
parentPort!.postMessage(classifier.toJSON());
