// The editing modeler with the properties panel, exposed as window.BpmnModelerKit for the editor page.
import Modeler from "bpmn-js/lib/Modeler";
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from "bpmn-js-properties-panel";

window.BpmnModelerKit = { Modeler, BpmnPropertiesPanelModule, BpmnPropertiesProviderModule };
