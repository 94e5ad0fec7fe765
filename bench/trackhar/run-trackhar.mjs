// Runs TrackHAR (npm `trackhar`, CC0) on a HAR and prints one JSON line per transmission it reports:
// {entry, host, property, value, adapter}. Used by bench/peer_trackhar.py.
import { readFileSync } from 'node:fs';
import { process as processHar, unhar } from 'trackhar';

const har = JSON.parse(readFileSync(process.argv[2], 'utf-8'));
const requests = unhar(har);
const results = await processHar(har);
results.forEach((result, index) => {
    if (!result) return;
    const host = requests[index] ? requests[index].host : null;
    for (const item of result) {
        console.log(JSON.stringify({ entry: index, host, property: item.property, value: item.value,
                                     adapter: item.adapter, context: item.context, path: item.path }));
    }
});
